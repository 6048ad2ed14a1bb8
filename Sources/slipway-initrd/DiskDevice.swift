// A whole disk as the initrd reads and writes it: its size from sysfs, its GPT through the
// PartitionTable module, and exact reads and writes at byte offsets. Only 512-byte logical sectors
// are handled, like the image builder writes.
import Glibc
import PartitionTable

struct DiskDevice {
    /// The kernel's name, e.g. `vda`.
    var name: String
    var path: String { "/dev/" + name }

    /// Sectors of 512 bytes (sysfs counts in those whatever the device's sector size).
    func sectorCount() throws -> UInt64 {
        let logical = try System.readValue("/sys/class/block/\(name)/queue/logical_block_size")
        guard Int(logical) == Int(GPT.sectorSize) else {
            throw InitrdError("\(path) has \(logical)-byte sectors; only 512-byte sectors are handled")
        }
        return try Self.sysfsSectors(name)
    }

    /// The disk's GPT. With `primaryOnly` the backup copy is not read (as the kernel does), for
    /// lookups that should work on a disk whose backup copy is damaged.
    func partitionTable(on fd: Int32, primaryOnly: Bool = false) throws -> GPT.Table {
        let sectors = try sectorCount()
        let read = { (lba: UInt64, count: Int) throws -> [UInt8] in
            try Self.readExactly(fd, self.path, offset: lba * GPT.sectorSize, count: count * Int(GPT.sectorSize))
        }
        do {
            return primaryOnly
                ? try GPT.parsePrimary(sectorCount: sectors, source: path, readSectors: read)
                : try GPT.parse(sectorCount: sectors, source: path, readSectors: read)
        } catch let error as GPTError {
            throw InitrdError(error.description)
        }
    }

    /// Opens the disk (`O_RDONLY` or `O_RDWR`).
    func open(_ mode: Int32) throws -> Int32 {
        let fd = Glibc.open(path, mode | O_CLOEXEC)
        guard fd >= 0 else { throw InitrdError("open \(path): \(System.reason())") }
        return fd
    }

    /// The size in 512-byte sectors of any block device or partition, from sysfs.
    static func sysfsSectors(_ name: String) throws -> UInt64 {
        guard let sectors = UInt64(try System.readValue("/sys/class/block/\(name)/size")) else {
            throw InitrdError("cannot read the size of /dev/\(name) from sysfs")
        }
        return sectors
    }

    static func readExactly(_ fd: Int32, _ path: String, offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw InitrdError("read \(path) at byte \(offset): \(got == 0 ? "end of device" : System.reason())")
            }
            done += got
        }
        return bytes
    }

    static func writeExactly(_ fd: Int32, _ path: String, _ bytes: [UInt8], offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
            }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { throw InitrdError("write \(path) at byte \(offset): \(System.reason())") }
            done += wrote
        }
    }
}
