// A package's /usr/share/doc/PACKAGE/copyright in Debian's machine-readable format (DEP-5,
// https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/): deb822 paragraphs, a header
// naming the format, then `Files:` paragraphs each with a `License:` field whose first line is a
// short-name expression ("GPL-2+ or Artistic") and whose continuation lines may hold the text, and
// standalone `License:` paragraphs giving the text of a name used above. Files written before the
// format (free text) are recognised as such and yield no licences: guessing from prose would be
// wrong too often to put in an SBOM.

/// The licences a DEP-5 copyright file declares.
public struct DebianCopyright: Sendable, Equatable {
    /// False when the file does not start with a `Format:` header naming the copyright format.
    public var isMachineReadable: Bool
    /// The distinct `License:` expressions (first lines) of the `Files:` paragraphs in file order,
    /// or the header's when there is no `Files:` paragraph; empty when not machine readable.
    public var expressions: [String]
    /// Licence texts by short name, lower-cased: from standalone `License:` paragraphs, or from the
    /// continuation lines of a `Files:` paragraph whose expression is a single name. The first wins.
    public var texts: [String: String]

    /// Parses the text of a copyright file. Never throws: a file that is not DEP-5, or whose
    /// paragraphs break the format, is reported as not machine readable.
    public init(parsing text: String) {
        let paragraphs = Self.paragraphs(text)
        guard let header = paragraphs.first, let format = header["format"],
            format.contains("copyright-format") || format.contains("dep5")
        else {
            self.init(isMachineReadable: false, expressions: [], texts: [:])
            return
        }
        var expressions: [String] = []
        var texts: [String: String] = [:]
        var sawFiles = false
        for paragraph in paragraphs.dropFirst() {
            guard let license = paragraph["license"] else { continue }
            let (name, body) = Self.split(license)
            if paragraph["files"] != nil {
                sawFiles = true
                if !name.isEmpty && !expressions.contains(name) { expressions.append(name) }
            }
            if !body.isEmpty && !name.isEmpty && texts[name.lowercased()] == nil { texts[name.lowercased()] = body }
        }
        if !sawFiles, let license = header["license"] {
            let (name, body) = Self.split(license)
            if !name.isEmpty { expressions = [name] }
            if !body.isEmpty && !name.isEmpty { texts[name.lowercased()] = body }
        }
        self.init(isMachineReadable: true, expressions: expressions, texts: texts)
    }

    public init(isMachineReadable: Bool, expressions: [String], texts: [String: String]) {
        self.isMachineReadable = isMachineReadable
        self.expressions = expressions
        self.texts = texts
    }

    /// A field value's first line (the short name, spaces collapsed) and the text below it.
    private static func split(_ value: String) -> (name: String, body: String) {
        let lines = value.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let name = (lines.first ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        return (name, lines.count > 1 ? String(lines[1]) : "")
    }

    /// deb822 paragraphs as field maps (lower-cased names). Continuation lines start with a space
    /// or tab and are joined with "\n" without their first blank; a lone "." is an empty line.
    /// Lines starting with "#" are comments.
    static func paragraphs(_ text: String) -> [[String: String]] {
        var paragraphs: [[String: String]] = []
        var current: [String: String] = [:]
        var last: String?
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for line in lines {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { paragraphs.append(current) }
                current = [:]
                last = nil
            } else if line.hasPrefix("#") {
                continue
            } else if line.first == " " || line.first == "\t" {
                guard let field = last else { continue }
                let continuation = line.dropFirst()
                current[field, default: ""] += "\n" + (continuation.trimmingSpaces == "." ? "" : continuation)
            } else if let colon = line.firstIndex(of: ":") {
                let field = line[..<colon].lowercased()
                current[field] = line[line.index(after: colon)...].trimmingSpaces
                last = field
            } else {
                last = nil  // a stray line: ignored, as apt and dpkg would not accept it either
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }
}
