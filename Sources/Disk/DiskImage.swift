// Assembling the raw disk: a sparse file of the layout's size, each partition image copied to its
// offset without writing its zero blocks (so holes stay holes and a mostly-empty 2 GiB disk takes a
// few MiB), and the GPT at both ends. Written beside the target and renamed into place.
import Foundation

/// Raw and qcow2 disk image files.
public enum DiskImage {
    /// What an assembly wrote.
    public struct Summary: Equatable, Sendable {
        /// The disk's apparent size.
        public var size: UInt64
        /// Bytes of partition data actually written (the rest are holes).
        public var dataBytes: UInt64
    }

    /// Zero blocks of this size inside a partition image are skipped, leaving holes.
    static let blockSize = 4096
    /// Partition images are read in pieces of this size.
    static let chunkSize = 1 << 20

    /// Writes the disk for `layout` at `path`: each partition's contents from `partitionImages` (a raw
    /// filesystem image per role; partitions without one stay zero) and the GPT. Every image is checked
    /// against its partition before anything is written, and the disk is written beside `path` and
    /// renamed into place. Throws `DiskError` (`.contentTooLarge`, `.invalidTable`, `.io`).
    @discardableResult
    public static func assemble(
        layout: DiskLayout, partitionImages: [DiskLayout.Role: String], to path: String
    ) throws -> Summary {
        var sources: [(DiskLayout.Partition, ImageFile, UInt64)] = []
        for partition in layout.partitions {
            guard let imagePath = partitionImages[partition.role] else { continue }
            let file = try ImageFile.openForReading(imagePath)
            let size = try file.size()
            guard size <= partition.size else {
                throw DiskError.contentTooLarge(partition: partition.name, content: size, partitionSize: partition.size)
            }
            sources.append((partition, file, size))
        }
        if let stray = partitionImages.keys.first(where: { layout[$0] == nil }) {
            throw DiskError.invalidTable(
                reason: "an image was given for \(stray.name) but the layout has no such partition")
        }
        let table = layout.table
        let regions = try DiskError.converting { try table.regions() }

        var written: UInt64 = 0
        try AtomicFile.write(to: path) { temporary in
            let disk = try ImageFile.create(temporary)
            try disk.truncate(to: layout.size)
            for (partition, source, size) in sources {
                written += try copySparse(from: source, size: size, to: disk, at: partition.offset)
            }
            try table.write(regions, to: disk)
            try disk.sync()
        }
        return Summary(size: layout.size, dataBytes: written)
    }

    /// Copies the data regions of `source` (per SEEK_DATA/SEEK_HOLE) to `offset` of `target`, leaving
    /// out every all-zero block. Returns the bytes written.
    static func copySparse(from source: ImageFile, size: UInt64, to target: ImageFile, at offset: UInt64) throws
        -> UInt64
    {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var written: UInt64 = 0
        var region = source.nextDataRegion(from: 0, size: size)
        while let current = region {
            var position = current.lowerBound
            while position < current.upperBound {
                let count = Int(min(UInt64(chunkSize), current.upperBound - position))
                try buffer.withUnsafeMutableBytes { raw in
                    let chunk = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
                    let got = try source.read(into: chunk, at: position)
                    guard got == count else {
                        throw DiskError.io(
                            operation: "read at byte \(position) (the file shrank)", path: source.path,
                            errno: EIO)
                    }
                    for run in nonZeroRuns(UnsafeRawBufferPointer(chunk)) {
                        try target.write(
                            UnsafeRawBufferPointer(rebasing: chunk[run]), at: offset + position + UInt64(run.lowerBound)
                        )
                        written += UInt64(run.count)
                    }
                }
                position += UInt64(count)
            }
            region = source.nextDataRegion(from: current.upperBound, size: size)
        }
        return written
    }

    /// The ranges of `bytes` made of consecutive blocks that are not all zero.
    static func nonZeroRuns(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        var block = 0
        while block < bytes.count {
            let end = min(block + blockSize, bytes.count)
            let zero = isZero(UnsafeRawBufferPointer(rebasing: bytes[block..<end]))
            if !zero && start == nil { start = block }
            if zero, let open = start {
                runs.append(open..<block)
                start = nil
            }
            block = end
        }
        if let open = start { runs.append(open..<bytes.count) }
        return runs
    }

    /// Whether every byte is zero, eight at a time.
    static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let words = bytes.count / 8
        for index in 0..<words where bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) != 0 {
            return false
        }
        for index in words * 8..<bytes.count where bytes[index] != 0 { return false }
        return true
    }

    /// Converts the qcow2 image at `qcow2` to a sparse raw image at `path` with `qemu-img convert`.
    /// Throws `DiskError.toolMissing` / `.toolFailed` (qemu-img's message names a damaged image).
    public static func convertToRaw(qcow2: String, to path: String) throws {
        try convertToRaw(image: qcow2, format: "qcow2", to: path)
    }

    /// Converts the image at `image`, in qemu-img's `format` ("qcow2", "vmdk", "vpc"), to a sparse
    /// raw image at `path` with `qemu-img convert`. Throws `DiskError.toolMissing` / `.toolFailed`.
    public static func convertToRaw(image: String, format: String, to path: String) throws {
        try ExternalTool.qemuImg.check(["convert", "-f", format, "-O", "raw", image, path])
    }

    /// Converts the raw image at `raw` to qcow2 at `path` with `qemu-img convert` (written beside
    /// `path` and renamed into place). Throws `DiskError.toolMissing` / `.toolFailed`.
    public static func convertToQCOW2(raw: String, to path: String) throws {
        try AtomicFile.write(to: path) { temporary in
            try ExternalTool.qemuImg.check(["convert", "-f", "raw", "-O", "qcow2", raw, temporary])
        }
    }
}
