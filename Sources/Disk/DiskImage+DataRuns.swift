// Where a raw disk holds data: the runs of its 4 KiB blocks that are not all zeros. The cloud
// formats store only these (VMDK grains, the GCE tar's sparse map), and because the runs follow from
// the bytes alone — not from where the file system happened to leave holes — the outputs are the
// same on every machine. Only the file's data regions (SEEK_DATA/SEEK_HOLE) are read.
import Foundation

extension DiskImage {
    /// The ranges of `file`'s first `size` bytes made of consecutive blocks (4 KiB, counted from the
    /// start of the file) that are not all zeros, in order and merged where they touch.
    static func dataRuns(of file: ImageFile, size: UInt64) throws -> [Range<UInt64>] {
        let block = UInt64(blockSize)
        var runs: [Range<UInt64>] = []
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var region = file.nextDataRegion(from: 0, size: size)
        while let current = region {
            // Whole blocks, so that a block is judged the same whatever region boundaries the file has.
            var position = current.lowerBound / block * block
            let end = min(size, (current.upperBound + block - 1) / block * block)
            while position < end {
                let count = Int(min(UInt64(chunkSize), end - position))
                try buffer.withUnsafeMutableBytes { raw in
                    let chunk = UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])
                    guard try file.read(into: chunk, at: position) == count else {
                        throw DiskError.io(
                            operation: "read at byte \(position) (the file shrank)", path: file.path, errno: EIO)
                    }
                    for run in nonZeroRuns(UnsafeRawBufferPointer(chunk)) {
                        let absolute = position + UInt64(run.lowerBound)..<position + UInt64(run.upperBound)
                        if let last = runs.last, last.upperBound == absolute.lowerBound {
                            runs[runs.count - 1] = last.lowerBound..<absolute.upperBound
                        } else {
                            runs.append(absolute)
                        }
                    }
                }
                position += UInt64(count)
            }
            region = file.nextDataRegion(from: max(end, current.upperBound), size: size)
        }
        return runs
    }
}
