// Typed scalars with their own syntax: sizes, modes, owners, durations, bounded numbers.

extension DecodeContext {
    /// A size like 512MiB; `minimum` (bytes) and MiB alignment are checked when asked for.
    func size(_ node: SourceNode?, _ path: FieldPath, minimum: UInt64 = 0, wholeMiB: Bool = false) -> Located<UInt64>? {
        scalar(node, path, expected: Profile.sizeRule) { text in
            parseSize(text, minimum: minimum, wholeMiB: wholeMiB)
        }
    }

    /// `auto` or a size.
    func sizeSetting(_ node: SourceNode?, _ path: FieldPath, minimum: UInt64 = 0, wholeMiB: Bool = false)
        -> Located<Profile.SizeSetting>?
    {
        scalar(node, path, expected: "expected auto or " + Profile.sizeRule.dropFirst("expected ".count)) { text in
            if text == "auto" { return .success(.auto) }
            return parseSize(text, minimum: minimum, wholeMiB: wholeMiB).map { .fixed($0) }
        }
    }

    /// A size, or a percentage of the content like `20%`.
    func headroom(_ node: SourceNode?, _ path: FieldPath) -> Located<Profile.Headroom>? {
        scalar(node, path, expected: "expected a size like 64MiB or a percentage like 20%") { text in
            if text.hasSuffix("%") {
                let digits = text.dropLast()
                guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let percent = Int(digits), percent <= 1000
                else { return .failure(Rule.Failure("expected a percentage from 0% to 1000%, like 20%")) }
                return .success(.percent(percent))
            }
            return parseSize(text, minimum: 0, wholeMiB: false).map { .bytes($0) }
        }
    }

    /// Permission bits, always read as octal: `0644`, `644` and `0o644` are the same mode.
    func mode(_ node: SourceNode?, _ path: FieldPath) -> Located<UInt16>? {
        scalar(node, path, expected: "expected an octal mode like 0644") { text in
            let digits = text.hasPrefix("0o") ? text.dropFirst(2) : Substring(text)
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ ("0"..."7").contains($0) }),
                let mode = UInt16(digits, radix: 8), mode <= 0o7777
            else { return .failure(Rule.Failure("expected an octal mode from 0000 to 7777, like 0644 or 0755")) }
            return .success(mode)
        }
    }

    /// A numeric owner `uid:gid`.
    func owner(_ node: SourceNode?, _ path: FieldPath) -> Located<Profile.Owner>? {
        scalar(node, path, expected: "expected an owner like 0:0") { text in
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2,
                parts.allSatisfy({ !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), uid < .max, gid < .max
            else { return .failure(Rule.Failure("expected a numeric owner uid:gid, like 0:0 or 1000:1000")) }
            return .success(Profile.Owner(uid: uid, gid: gid))
        }
    }

    /// A duration in seconds: `90`, `90s`, `5m`, `1h`, `1m30s`; from 1 second to 24 hours.
    func duration(_ node: SourceNode?, _ path: FieldPath) -> Located<Int>? {
        scalar(node, path, expected: "expected a duration like 90s, 5m or 1h") { text in
            let failure = Result<Int, Rule.Failure>.failure(
                Rule.Failure("expected a duration like 90s, 5m or 1h (at most 24h)"))
            if !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int(text) {
                return (1...86_400).contains(seconds) ? .success(seconds) : failure
            }
            var total = 0, number = "", seenUnits = ""
            for character in text {
                if character.isASCII && character.isNumber {
                    number.append(character)
                    if number.count > 6 { return failure }
                } else if let factor = ["h": 3600, "m": 60, "s": 1][String(character)], let value = Int(number),
                    !seenUnits.contains(character)
                {
                    total += value * factor
                    number = ""
                    seenUnits.append(character)
                } else {
                    return failure
                }
            }
            guard number.isEmpty, !seenUnits.isEmpty, (1...86_400).contains(total) else { return failure }
            return .success(total)
        }
    }

    /// A whole number in `range`, written as decimal digits.
    func integer(_ node: SourceNode?, _ path: FieldPath, in range: ClosedRange<Int>) -> Located<Int>? {
        let rule = "expected a whole number from \(range.lowerBound) to \(range.upperBound)"
        return scalar(node, path, expected: rule) { text in
            guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(text), range.contains(value)
            else { return .failure(Rule.Failure(rule)) }
            return .success(value)
        }
    }

    private func parseSize(_ text: String, minimum: UInt64, wholeMiB: Bool) -> Result<UInt64, Rule.Failure> {
        switch Profile.parseSize(text) {
        case .failure(let error): return .failure(Rule.Failure(error.message))
        case .success(let bytes):
            if bytes < minimum {
                return .failure(Rule.Failure("must be at least \(Profile.formatSize(minimum))"))
            }
            if let problem = Profile.sizeCeilingProblem(bytes) { return .failure(Rule.Failure(problem)) }
            if wholeMiB && bytes % (1 << 20) != 0 {
                return .failure(Rule.Failure("partitions are aligned to 1MiB; use a whole number of MiB"))
            }
            return .success(bytes)
        }
    }
}
