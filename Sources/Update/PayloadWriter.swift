// Writing a payload: the root filesystem image cut into chunks, each chunk and the kernel and initrd
// compressed as a zstd frame of its own (concurrently: the output does not depend on the order), the
// manifest listing them, its signatures, then the frames.
import Dispatch

public enum PayloadWriter {
    public static let chunkSize = 1 << 20

    /// What the payload describes besides its data.
    public struct Metadata: Sendable {
        public var name: String
        public var architecture: String
        public var version: String
        public var title: String
        public var tries: Int
        public var options: String

        public init(name: String, architecture: String, version: String, title: String, tries: Int, options: String) {
            self.name = name
            self.architecture = architecture
            self.version = version
            self.title = title
            self.tries = tries
            self.options = options
        }
    }

    /// Writes the payload of `rootImage` (a filesystem image file), `kernel` and `initrd` to `path`,
    /// signed by `sign` (manifest bytes → signatures). Returns the manifest.
    @discardableResult
    public static func write(
        to path: String, metadata: Metadata, rootImage: String, kernel: [UInt8], initrd: [UInt8],
        sign: ([UInt8]) throws -> [PayloadSignature]
    ) throws -> PayloadManifest {
        let root = try PosixFile(path: rootImage)
        let rootSize = try root.size()
        let count = Int((rootSize + UInt64(chunkSize) - 1) / UInt64(chunkSize))
        let results = ChunkResults(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            results.store(index) { () throws(UpdateError) in
                let bytes = try root.read(at: UInt64(index) * UInt64(chunkSize), count: chunkSize)
                return bytes.contains(where: { $0 != 0 }) ? try compress(bytes) : nil
            }
        }
        let (pieces, frames) = try results.collected()
        let (kernelPiece, kernelFrame) = try compress(kernel)
        let (initrdPiece, initrdFrame) = try compress(initrd)
        let manifest = PayloadManifest(
            name: metadata.name, architecture: metadata.architecture, version: metadata.version,
            title: metadata.title, tries: metadata.tries, options: metadata.options, kernel: kernelPiece,
            initrd: initrdPiece, rootSize: rootSize, chunkSize: chunkSize, chunks: pieces)
        let manifestBytes = Array(manifest.text.utf8)
        let signatures = try sign(manifestBytes)
        let header = "\(Payload.magic)\nmanifest \(manifestBytes.count)\n"
        let trailer =
            signatures.map { "signature ed25519 \($0.keyID) \(Hex.encode($0.signature))\n" }.joined()
            + "data \(manifest.dataSize)\n"
        let out = try PosixFile(creating: path)
        try out.write(Array(header.utf8) + manifestBytes + Array(trailer.utf8), at: 0)
        var offset = try out.size()
        for frame in [kernelFrame, initrdFrame] + frames.compactMap({ $0 }) {
            try out.write(frame, at: offset)
            offset += UInt64(frame.count)
        }
        try out.sync()
        return manifest
    }

    /// The chunks' results, filled in from concurrent work.
    private final class ChunkResults: @unchecked Sendable {  // every access holds `lock`
        private var pieces: [PayloadPiece?]
        private var frames: [[UInt8]?]
        private var failure: UpdateError?
        private let lock = DispatchQueue(label: "payload-chunks")

        init(count: Int) {
            pieces = Array(repeating: nil, count: count)
            frames = Array(repeating: nil, count: count)
        }

        func store(_ index: Int, _ work: () throws(UpdateError) -> (PayloadPiece, [UInt8])?) {
            do {
                guard let (piece, frame) = try work() else { return }
                lock.sync {
                    pieces[index] = piece
                    frames[index] = frame
                }
            } catch {
                lock.sync { failure = error }
            }
        }

        func collected() throws(UpdateError) -> ([PayloadPiece?], [[UInt8]?]) {
            if let failure { throw failure }
            return (pieces, frames)
        }
    }

    private static func compress(_ bytes: [UInt8]) throws(UpdateError) -> (PayloadPiece, [UInt8]) {
        let frame = try Zstd.compress(bytes)
        return (
            PayloadPiece(
                size: bytes.count, sha256: Digest.sha256Hex(bytes), storedSize: frame.count,
                storedSHA256: Digest.sha256Hex(frame)),
            frame
        )
    }
}
