// A resource whose bytes are produced only while they are streamed: the data of a data: URL is
// decoded, gzip is decompressed and the digest is computed chunk by chunk, so memory stays bounded
// whatever the size of the file (a gzip data URL of a GiB of zeros is a MiB of config). Decoding is a
// function of the config text or of the downloaded body, so apply streams a resource twice: once to
// verify it before anything is written, once into the file.

/// A fetched resource, verified as it is streamed.
struct LoadedResource: Sendable {
    /// The bytes before decompression.
    enum Body: Sendable {
        /// A checked data: URL, decoded as it is read.
        case dataURL(DataURLPayload)
        /// A downloaded body (or nothing).
        case bytes([UInt8])
    }

    var body: Body
    var gzip = false
    var hash: HashSpec?
    /// The `source` URL, for messages.
    var source: String

    /// Whether streaming can fail: decompression and verification can, decoding a checked data: URL
    /// or handing out downloaded bytes cannot.
    var canFail: Bool { gzip || hash != nil }

    /// Decompresses and verifies the resource without keeping its bytes, when that can fail.
    func check(subject: String) throws(FirstBootError) {
        guard canFail else { return }
        try stream(subject: subject) { _ throws(FirstBootError) in }
    }

    /// Hands the resource's bytes to `consume` in chunks of at most 64 KiB. The digest is checked
    /// after the last chunk: on a mismatch this throws after `consume` has seen every byte, so a
    /// consumer must not commit what it was given (rename a file into place) before this returns.
    func stream(subject: String, into consume: (ArraySlice<UInt8>) throws(FirstBootError) -> Void)
        throws(FirstBootError)
    {
        var digest = hash?.makeDigest()
        func deliver(_ chunk: ArraySlice<UInt8>) throws(FirstBootError) {
            digest?.update(chunk)
            try consume(chunk)
        }
        switch body {
        case .dataURL(let payload): try pump(payload.chunks(), subject: subject, into: deliver)
        case .bytes(let bytes): try pump(ArrayChunks(bytes), subject: subject, into: deliver)
        }
        guard let hash, var digest else { return }
        let actual = digest.hexDigest()
        guard actual == hash.hexDigest.lowercased() else {
            throw FirstBootError(
                "verify", subject,
                "\(LoadedResource.shown(source)): \(hash.function.rawValue) is \(actual), the config expects "
                    + "\(hash.hexDigest); the resource changed or the hash is wrong")
        }
    }

    private func pump<Source: ByteChunkSource>(
        _ source: Source, subject: String, into deliver: (ArraySlice<UInt8>) throws(FirstBootError) -> Void
    ) throws(FirstBootError) {
        guard gzip else {
            var source = source
            while let chunk = source.nextChunk() { try deliver(chunk) }
            return
        }
        var decoder = GzipDecoder(source)
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try decoder.next()
            } catch {
                throw FirstBootError("decompress", subject, "\(LoadedResource.shown(self.source)): \(error)")
            }
            guard let chunk else { return }
            try deliver(chunk[...])
        }
    }

    /// A source URL for a message: a long data: URL is cut, or the message would repeat the file.
    static func shown(_ source: String) -> String {
        let limit = 64
        guard source.utf8.count > limit + 16 else { return source }
        return String(source.prefix(limit)) + "… (\(source.utf8.count) bytes)"
    }
}
