// Sizes in profiles. Units are binary (IEC): KiB, MiB, GiB, TiB, and the short forms K, M, G, T mean
// the same powers of 1024, because every size in a disk image is about sectors, blocks and MiB
// alignment. Decimal units (KB, MB, GB, TB) are rejected rather than guessed: "2GB" could mean either.

extension Profile {
    /// The rule every size follows, quoted in error messages.
    static let sizeRule = "expected a size like 512MiB or 2GiB"

    private static let units: [(suffixes: [String], factor: UInt64)] = [
        (["TiB", "T"], 1 << 40), (["GiB", "G"], 1 << 30), (["MiB", "M"], 1 << 20), (["KiB", "K"], 1 << 10),
    ]

    /// Parses `512MiB`, `2GiB`, `1.5G`, `4096` (bytes). Returns the byte count or an error message.
    /// Fractions are allowed when they come to whole bytes; a size is at most 8 EiB.
    public static func parseSize(_ text: String) -> Result<UInt64, SizeError> {
        var number = Substring(text)
        var factor: UInt64 = 1
        for unit in units {
            if let suffix = unit.suffixes.first(where: { number.hasSuffix($0) }) {
                number = number.dropLast(suffix.count)
                factor = unit.factor
                break
            }
        }
        if factor == 1, let decimal = ["KB", "MB", "GB", "TB"].first(where: { text.hasSuffix($0) }) {
            let binary = String(decimal.prefix(1)) + "iB"
            return .failure(
                SizeError(
                    "decimal units are ambiguous; write \(text.dropLast(2))\(binary) (sizes count in powers of 1024)"))
        }
        while number.last == " " { number = number.dropLast() }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy({ $0.isASCII && $0.isNumber }))
        else { return .failure(SizeError(sizeRule)) }
        guard whole.count <= 19, let integral = UInt64(whole) else { return .failure(SizeError("size is too large")) }
        var (bytes, overflow) = integral.multipliedReportingOverflow(by: factor)
        if overflow || bytes > UInt64(Int64.max) { return .failure(SizeError("size is too large")) }
        if parts.count == 2 {
            // Exact fixed-point arithmetic: fraction digits × factor must divide evenly by 10^digits.
            let digits = parts[1].prefix(12)
            guard digits.count == parts[1].count || parts[1].dropFirst(12).allSatisfy({ $0 == "0" }),
                let fraction = UInt64(digits)
            else { return .failure(SizeError(sizeRule)) }
            var scale: UInt64 = 1
            for _ in 0..<digits.count { scale *= 10 }
            let (scaled, fractionOverflow) = fraction.multipliedReportingOverflow(by: factor)
            guard !fractionOverflow, scaled % scale == 0 else {
                return .failure(SizeError("\(text) is not a whole number of bytes"))
            }
            (bytes, overflow) = bytes.addingReportingOverflow(scaled / scale)
            if overflow || bytes > UInt64(Int64.max) { return .failure(SizeError("size is too large")) }
        }
        return .success(bytes)
    }

    /// The largest size a profile may give anything: the disk, a partition, the root filesystem or
    /// its headroom. Every output is written, copied and hashed whole (holes read as zeros), which
    /// takes minutes per hundred GiB, and a host filesystem may not hold the file at all (ext4's
    /// limit is 16 TiB). Nothing needs more: STATE grows to fill the real disk on its first boot.
    public static let maximumSize: UInt64 = 64 << 30

    /// Why `bytes` is over `maximumSize`, or nil.
    static func sizeCeilingProblem(_ bytes: UInt64) -> String? {
        guard bytes > maximumSize else { return nil }
        return "must be at most \(formatSize(maximumSize)): images are written and hashed whole; build a small "
            + "image and give it a larger disk, which STATE grows to fill on first boot"
    }

    /// The canonical text of a size: the largest binary unit that divides it exactly (`1536MiB`,
    /// `2GiB`), or plain bytes. `parseSize(formatSize(n)) == n` for every n.
    public static func formatSize(_ bytes: UInt64) -> String {
        if bytes == 0 { return "0" }
        for unit in units where bytes % unit.factor == 0 {
            return "\(bytes / unit.factor)\(unit.suffixes[0])"
        }
        return "\(bytes)"
    }

    /// Why a size did not parse.
    public struct SizeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// A size that can also be left to the builder.
    public enum SizeSetting: Sendable, Hashable, CustomStringConvertible {
        /// Computed by the builder from the content (documented per key).
        case auto
        case fixed(UInt64)

        public var description: String {
            switch self {
            case .auto: "auto"
            case .fixed(let bytes): Profile.formatSize(bytes)
            }
        }
    }

    /// Free space added to the root filesystem on top of its content: bytes or a percentage of the content.
    public enum Headroom: Sendable, Hashable, CustomStringConvertible {
        case bytes(UInt64)
        case percent(Int)

        public var description: String {
            switch self {
            case .bytes(let bytes): Profile.formatSize(bytes)
            case .percent(let percent): "\(percent)%"
            }
        }
    }
}
