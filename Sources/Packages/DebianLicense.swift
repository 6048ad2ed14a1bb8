// DEP-5 licence expressions as SPDX license expressions. A DEP-5 expression joins short names with
// "or" and "and" ("and" binds tighter, as in SPDX), a comma before "and"/"or" makes everything to
// its left one operand ("GPL-2+ or Artistic, and BSD-3-clause" is (GPL-2+ or Artistic) and
// BSD-3-clause), a trailing "+" means "or any later version", and "with X exception" attaches an
// exception. Names are compared without regard to case. Short names with an SPDX identifier are
// translated; the rest (public-domain, names a package made up) are left to the caller, which
// gives them a LicenseRef with the copyright file's text.

/// A parsed DEP-5 licence expression.
public indirect enum DebianLicense: Sendable, Equatable {
    /// A short name as written ("GPL-2+"), with its exception words if any ("OpenSSL").
    case name(String, exception: String?)
    case and([DebianLicense])
    case or([DebianLicense])

    /// Parses a `License:` first line; nil when it holds no name or a dangling operator.
    public init?(parsing text: String) {
        var groups: [(joiner: String?, words: [String])] = [(nil, [])]
        for raw in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            var word = String(raw)
            let comma = word.hasSuffix(",")
            if comma { word.removeLast() }
            if !word.isEmpty { groups[groups.count - 1].words.append(word) }
            if comma { groups.append((nil, [])) }
        }
        // A comma group starts with its joiner ("and"/"or"); the first group has none.
        var result: DebianLicense?
        for (index, group) in groups.enumerated() {
            var words = group.words
            var joiner: String?
            if index > 0 {
                guard let first = words.first?.lowercased(), first == "and" || first == "or" else { return nil }
                joiner = first
                words.removeFirst()
            }
            guard let operand = Self.parseSimple(words) else { return nil }
            switch (result, joiner) {
            case (nil, _): result = operand
            case (let left?, "and"): result = .and([left, operand])
            case (let left?, _): result = .or([left, operand])
            }
        }
        guard let result else { return nil }
        self = result
    }

    /// "A and B or C with X exception": ors of ands of names.
    private static func parseSimple(_ words: [String]) -> DebianLicense? {
        var alternatives: [DebianLicense] = []
        var conjuncts: [DebianLicense] = []
        var index = 0
        var expectName = true
        while index < words.count {
            let word = words[index]
            let lower = word.lowercased()
            if expectName {
                guard lower != "and" && lower != "or" && lower != "with" else { return nil }
                var exception: String?
                if index + 1 < words.count && words[index + 1].lowercased() == "with" {
                    // "with WORDS exception": the exception's words run to the word "exception".
                    // "with GCC-exception" names it in one word.
                    guard
                        let end = words[(index + 2)...].firstIndex(where: {
                            $0.lowercased() == "exception" || $0.lowercased().hasSuffix("-exception")
                        })
                    else { return nil }
                    let last = words[end].lowercased() == "exception" ? end : end + 1
                    guard last > index + 2 else { return nil }
                    exception = words[(index + 2)..<last].joined(separator: " ")
                    conjuncts.append(.name(word, exception: exception))
                    index = end + 1
                } else {
                    conjuncts.append(.name(word, exception: nil))
                    index += 1
                }
                expectName = false
            } else {
                switch lower {
                case "and": break
                case "or":
                    alternatives.append(conjuncts.count == 1 ? conjuncts[0] : .and(conjuncts))
                    conjuncts = []
                default: return nil
                }
                expectName = true
                index += 1
            }
        }
        guard !expectName, !conjuncts.isEmpty else { return nil }
        alternatives.append(conjuncts.count == 1 ? conjuncts[0] : .and(conjuncts))
        return alternatives.count == 1 ? alternatives[0] : .or(alternatives)
    }

    /// The operands of a top-level "and", or the expression itself: what a package's licences are
    /// joined from, so the same licence named in two `Files:` paragraphs is listed once.
    public var conjuncts: [DebianLicense] {
        if case .and(let operands) = self { return operands.flatMap(\.conjuncts) }
        return [self]
    }

    /// The SPDX expression, with each name that has no SPDX identifier written as `unknown(name)`
    /// returns (a `LicenseRef-...`). `name` is the whole term: "GPL-2+ with OpenSSL exception".
    public func spdx(unknown: (String) -> String) -> String {
        switch self {
        case .name(let name, let exception):
            let term =
                exception.map {
                    $0.lowercased().hasSuffix("exception") ? "\(name) with \($0)" : "\(name) with \($0) exception"
                }
                ?? name
            guard let id = Self.spdxIdentifier(name) else { return unknown(term) }
            guard let exception else { return id }
            guard !id.contains(" ") else { return unknown(term) }
            guard let exceptionID = Self.spdxException(exception, license: id) else { return unknown(term) }
            return "\(id) WITH \(exceptionID)"
        case .and(let operands):
            return operands.map { operand in
                if case .or = operand { return "(\(operand.spdx(unknown: unknown)))" }
                return operand.spdx(unknown: unknown)
            }.joined(separator: " AND ")
        case .or(let operands):
            return operands.map { operand in
                if case .and = operand { return "(\(operand.spdx(unknown: unknown)))" }
                return operand.spdx(unknown: unknown)
            }.joined(separator: " OR ")
        }
    }

    /// The SPDX identifier (or expression, for Debian's "Perl") of a DEP-5 short name; nil when
    /// there is none.
    public static func spdxIdentifier(_ name: String) -> String? {
        var base = name.lowercased()
        var orLater = false
        // Some files already use SPDX's forms: "GPL-2.0-or-later", "LGPL-2.1-only".
        for (suffix, later) in [("+", true), ("-or-later", true), ("-only", false)] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
            orLater = later
            break
        }
        // The GNU licences: "-only" and "-or-later" identifiers; a bare name means any version.
        let versions: [(family: String, first: String, known: Set<String>)] = [
            ("gpl", "1.0", ["1.0", "2.0", "3.0"]), ("lgpl", "2.0", ["2.0", "2.1", "3.0"]),
            ("agpl", "1.0", ["1.0", "3.0"]), ("gfdl-niv", "1.1", ["1.1", "1.2", "1.3"]),
            ("gfdl", "1.1", ["1.1", "1.2", "1.3"]),
        ]
        for (family, first, known) in versions where base == family || base.hasPrefix(family + "-") {
            var version = base == family ? first : String(base.dropFirst(family.count + 1))
            if !version.contains(".") { version += ".0" }
            guard known.contains(version) else { return nil }
            let spdxFamily = family == "gfdl-niv" ? "GFDL" : family.uppercased()
            let invariants = family == "gfdl-niv" ? "-no-invariants" : ""
            return "\(spdxFamily)-\(version)\(invariants)-\(orLater || base == family ? "or-later" : "only")"
        }
        // "Apache-2", "MPL-2": the version without its ".0", as several copyright files write it.
        let id = identifiers[base] ?? (base.last?.isNumber == true ? identifiers[base + ".0"] : nil)
        guard let id else { return nil }
        // Debian's "Perl" is an expression, kept whole in parentheses; it has no later versions.
        if id.contains(" ") { return orLater ? nil : "(\(id))" }
        return orLater ? "\(id)+" : id
    }

    /// SPDX exception identifiers for the exception words DEP-5 files use; nil when unknown.
    static func spdxException(_ words: String, license: String) -> String? {
        switch words.lowercased() {
        case "gcc", "gcc-exception", "gcc runtime library", "gcc-runtime-library":
            license.hasPrefix("GPL-3.0") ? "GCC-exception-3.1" : "GCC-exception-2.0"
        case "gcc-exception-3.1": "GCC-exception-3.1"
        case "gcc-exception-2.0": "GCC-exception-2.0"
        case "autoconf", "autoconf-exception":
            license.hasPrefix("GPL-3.0") ? "Autoconf-exception-3.0" : "Autoconf-exception-2.0"
        case "bison", "bison-exception": "Bison-exception-2.2"
        case "classpath", "classpath-exception": "Classpath-exception-2.0"
        case "font", "font-exception": "Font-exception-2.0"
        case "libtool", "libtool-exception": "Libtool-exception"
        case "llvm", "llvm-exception": "LLVM-exception"
        case "linux-syscall-note", "linux syscall note": "Linux-syscall-note"
        case "texinfo", "texinfo-exception": "Texinfo-exception"
        case "openssl", "openssl-exception": nil  // no SPDX identifier: the caller makes a LicenseRef
        default: nil
        }
    }

    /// The short names `spdxIdentifier` knows besides the GNU family's.
    public static var knownNames: [String] { identifiers.keys.sorted() }

    /// DEP-5 short names (lower-cased, without "+") and other names Debian packages use, with the
    /// SPDX identifier of the same licence. Each is checked against pyspdxtools in the tests.
    static let identifiers: [String: String] = [
        "apache-1.0": "Apache-1.0", "apache-1.1": "Apache-1.1", "apache-2.0": "Apache-2.0",
        "artistic": "Artistic-1.0-Perl", "artistic-1.0": "Artistic-1.0", "artistic-2.0": "Artistic-2.0",
        "perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
        "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause", "bsd-4-clause": "BSD-4-Clause",
        "0bsd": "0BSD", "bsl-1.0": "BSL-1.0", "boost-1.0": "BSL-1.0",
        "cc-by-3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-3.0": "CC-BY-SA-3.0",
        "cc-by-sa-4.0": "CC-BY-SA-4.0", "cc0-1.0": "CC0-1.0", "cddl-1.0": "CDDL-1.0", "cddl-1.1": "CDDL-1.1",
        "cpl-1.0": "CPL-1.0", "efl-1": "EFL-1.0", "efl-2": "EFL-2.0", "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0",
        "expat": "MIT", "mit": "MIT", "x11": "X11", "isc": "ISC", "zlib": "Zlib",
        "zlib-acknowledgement": "zlib-acknowledgement", "libpng": "Libpng", "libpng-2.0": "libpng-2.0",
        "mpl-1.0": "MPL-1.0", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0", "openssl": "OpenSSL",
        "python-2.0": "Python-2.0", "psf-2": "PSF-2.0", "psf-2.0": "PSF-2.0", "qpl-1.0": "QPL-1.0",
        "w3c": "W3C", "zpl-1.1": "ZPL-1.1", "zpl-2.0": "ZPL-2.0", "zpl-2.1": "ZPL-2.1",
        "lppl-1.3c": "LPPL-1.3c", "ofl-1.1": "OFL-1.1", "unlicense": "Unlicense", "wtfpl": "WTFPL",
        "curl": "curl", "ftl": "FTL", "ijg": "IJG", "unicode-dfs-2016": "Unicode-DFS-2016",
        "bzip2-1.0.6": "bzip2-1.0.6", "sleepycat": "Sleepycat", "beerware": "Beerware", "tcl": "TCL",
        "ntp": "NTP", "hpnd": "HPND", "bsd-4-clause-uc": "BSD-4-Clause-UC", "fsfullr": "FSFULLR",
        "fsful": "FSFUL", "fsfap": "FSFAP", "ms-pl": "MS-PL", "latex2e": "Latex2e",
    ]
}
