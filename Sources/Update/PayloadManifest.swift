// The manifest of an update payload: what the payload installs and the digest of every piece, as
// "key value" lines. It is what the signature covers, so everything apply trusts is in it.
//
//   slipway-update-manifest 1
//   name docker-host                      the profile name; must match the running system's
//   architecture x86_64
//   version 2.0.0                         must be newer than the running one (or --allow-downgrade)
//   title Docker host 2.0.0               the boot menu's title
//   tries 3                               boot tries the new entry gets
//   options slipway.state=... console=... the kernel command line (apply adds the slot's root)
//   kernel SIZE SHA256 ZSIZE ZSHA256
//   initrd SIZE SHA256 ZSIZE ZSHA256
//   root SIZE CHUNK-SIZE CHUNKS           the root filesystem, in CHUNKS chunks of CHUNK-SIZE bytes
//   chunk SHA256 ZSIZE ZSHA256            one per chunk, in order: raw digest, compressed size, digest
//   chunk zero                            a chunk of zeros, not stored
//
// The data after the manifest is the zstd frames of kernel, initrd and the stored chunks, in that
// order, so each piece's offset follows from the sizes before it.

/// One compressed piece of the payload's data.
public struct PayloadPiece: Sendable, Equatable {
    /// Size and SHA-256 once decompressed.
    public var size: Int
    public var sha256: String
    /// Size and SHA-256 of the zstd frame in the payload.
    public var storedSize: Int
    public var storedSHA256: String
}

/// What a payload installs.
public struct PayloadManifest: Sendable, Equatable {
    public static let formatLine = "slipway-update-manifest 1"

    public var name: String
    public var architecture: String
    public var version: String
    public var title: String
    public var tries: Int
    public var options: String
    public var kernel: PayloadPiece
    public var initrd: PayloadPiece
    public var rootSize: UInt64
    public var chunkSize: Int
    /// One per chunk of the root filesystem; nil for a chunk of zeros.
    public var chunks: [PayloadPiece?]

    /// The manifest's text, as signed.
    public var text: String {
        func piece(_ p: PayloadPiece) -> String { "\(p.size) \(p.sha256) \(p.storedSize) \(p.storedSHA256)" }
        var lines = [
            Self.formatLine, "name \(name)", "architecture \(architecture)", "version \(version)", "title \(title)",
            "tries \(tries)", "options \(options)", "kernel \(piece(kernel))", "initrd \(piece(initrd))",
            "root \(rootSize) \(chunkSize) \(chunks.count)",
        ]
        for chunk in chunks {
            lines.append(chunk.map { "chunk \($0.sha256) \($0.storedSize) \($0.storedSHA256)" } ?? "chunk zero")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The bytes of the data section, the stored frames added up.
    public var dataSize: UInt64 {
        ([kernel, initrd] + chunks.compactMap { $0 }).reduce(0) { $0 + UInt64($1.storedSize) }
    }

    public init(
        name: String, architecture: String, version: String, title: String, tries: Int, options: String,
        kernel: PayloadPiece, initrd: PayloadPiece, rootSize: UInt64, chunkSize: Int, chunks: [PayloadPiece?]
    ) {
        self.name = name
        self.architecture = architecture
        self.version = version
        self.title = title
        self.tries = tries
        self.options = options
        self.kernel = kernel
        self.initrd = initrd
        self.rootSize = rootSize
        self.chunkSize = chunkSize
        self.chunks = chunks
    }

    /// Parses a manifest; `source` names the payload in errors, with the line number.
    public init(parsing text: String, source: String) throws(UpdateError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.first == Substring(Self.formatLine) else {
            throw UpdateError(source, "the manifest does not start with \"\(Self.formatLine)\" (not a slipway update?)")
        }
        var fields: [String: (line: Int, value: Substring)] = [:]
        var chunkLines: [(line: Int, value: Substring)] = []
        for (index, line) in lines.enumerated().dropFirst() {
            guard let space = line.firstIndex(of: " ") else {
                throw UpdateError("\(source): manifest line \(index + 1)", "expected \"KEY VALUE\"")
            }
            let key = String(line[..<space]), value = line[line.index(after: space)...]
            if key == "chunk" {
                chunkLines.append((index + 1, value))
            } else {
                guard fields[key] == nil else {
                    throw UpdateError("\(source): manifest line \(index + 1)", "\(key) appears twice")
                }
                fields[key] = (index + 1, value)
            }
        }
        func field(_ key: String) throws(UpdateError) -> (line: Int, value: Substring) {
            guard let found = fields[key] else { throw UpdateError(source, "the manifest has no \(key) line") }
            return found
        }
        func number<N: FixedWidthInteger>(_ text: Substring, _ key: String, line: Int) throws(UpdateError) -> N {
            guard let value = N(text), value >= 0 else {
                throw UpdateError("\(source): manifest line \(line)", "\(key): expected a whole number, got \(text)")
            }
            return value
        }
        func piece(_ key: String) throws(UpdateError) -> PayloadPiece {
            let (line, value) = try field(key)
            let parts = value.split(separator: " ")
            guard parts.count == 4, isDigest(parts[1]), isDigest(parts[3]) else {
                throw UpdateError("\(source): manifest line \(line)", "\(key): expected SIZE SHA256 ZSIZE ZSHA256")
            }
            return PayloadPiece(
                size: try number(parts[0], key, line: line), sha256: String(parts[1]),
                storedSize: try number(parts[2], key, line: line), storedSHA256: String(parts[3]))
        }
        name = String(try field("name").value)
        architecture = String(try field("architecture").value)
        version = String(try field("version").value)
        title = String(try field("title").value)
        let triesField = try field("tries")
        tries = try number(triesField.value, "tries", line: triesField.line)
        options = String(try field("options").value)
        kernel = try piece("kernel")
        initrd = try piece("initrd")
        let root = try field("root")
        let rootParts = root.value.split(separator: " ")
        guard rootParts.count == 3 else {
            throw UpdateError("\(source): manifest line \(root.line)", "root: expected SIZE CHUNK-SIZE CHUNKS")
        }
        rootSize = try number(rootParts[0], "root", line: root.line)
        chunkSize = try number(rootParts[1], "root", line: root.line)
        let count: Int = try number(rootParts[2], "root", line: root.line)
        guard chunkSize > 0, chunkSize <= 64 << 20,
            UInt64(count) == (rootSize + UInt64(chunkSize) - 1) / UInt64(chunkSize),
            chunkLines.count == count
        else {
            throw UpdateError(
                "\(source): manifest line \(root.line)",
                "root: \(rootSize) bytes in chunks of \(chunkSize) do not make the \(chunkLines.count) chunk lines")
        }
        chunks = []
        for (line, value) in chunkLines {
            if value == "zero" {
                chunks.append(nil)
                continue
            }
            let parts = value.split(separator: " ")
            guard parts.count == 3, isDigest(parts[0]), isDigest(parts[2]) else {
                throw UpdateError("\(source): manifest line \(line)", "chunk: expected SHA256 ZSIZE ZSHA256 or zero")
            }
            let index = chunks.count
            let size = index == count - 1 ? Int(rootSize - UInt64(index) * UInt64(chunkSize)) : chunkSize
            chunks.append(
                PayloadPiece(
                    size: size, sha256: String(parts[0]), storedSize: try number(parts[1], "chunk", line: line),
                    storedSHA256: String(parts[2])))
        }
        guard (1...10).contains(tries) else {
            throw UpdateError("\(source): manifest line \(triesField.line)", "tries: expected 1 to 10, got \(tries)")
        }
        for (key, value) in [("name", name), ("architecture", architecture), ("version", version)]
        where value.isEmpty || value.contains(where: { $0 == " " || $0 == "\t" }) {
            throw UpdateError(source, "the manifest's \(key) must be one non-empty word, got \"\(value)\"")
        }
    }
}

private func isDigest(_ text: Substring) -> Bool {
    text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
}
