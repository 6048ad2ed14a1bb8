import CExt2fs
import Rootfs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// File data: read from memory or from a byte range of a host file in large chunks, all-zero blocks
// skipped (they stay holes, as mke2fs -d leaves them), the rest written with pwrite into blocks
// allocated in order. libext2fs only sees the resulting extents.

extension Ext4TreeWriter {
    var blockSize: Int { Ext4Geometry.blockSize }

    /// Writes a regular file's bytes and returns where they went.
    func writeContent(_ content: FileContent, path: String) throws -> Ext4ExtentList {
        switch content {
        case .inline(let bytes):
            return try bytes.withUnsafeBytes { raw in
                try store(raw, firstBlock: 0, skipZeroBlocks: true, path: path)
            }
        case .file(let hostPath, let offset, let length):
            guard offset >= 0, length >= 0 else {
                throw Ext4Error(
                    operation: "reading \(hostPath)", path: path,
                    reason: .invalid("negative offset \(offset) or length \(length)"))
            }
            // Empty files are common (__init__.py and the like) and need no read.
            guard length > 0 else { return Ext4ExtentList() }
            let source = try openSource(hostPath, path: path)
            guard source.size >= offset + length else {
                throw Ext4Error(
                    operation: "reading \(hostPath)", path: path,
                    reason: .invalid(
                        "the file ends at byte \(source.size), before the \(length) bytes from offset \(offset) "
                            + "that the tree names"))
            }
            var extents = Ext4ExtentList()
            var done: Int64 = 0
            while done < length {
                if source.sparse, let next = nextData(source.descriptor, from: offset + done) {
                    // Whole blocks before the next data are holes in the source: leave them holes here.
                    let skip = next < 0 ? length : (next - offset) / Int64(blockSize) * Int64(blockSize)
                    if skip > done {
                        done = min(skip, length)
                        continue
                    }
                }
                let want = Int(min(Int64(Self.chunkSize), length - done))
                try readFully(source.descriptor, into: buffer, count: want, at: offset + done, hostPath, path)
                let chunk = try store(
                    UnsafeRawBufferPointer(start: buffer, count: want),
                    firstBlock: UInt32(done / Int64(blockSize)), skipZeroBlocks: true, path: path)
                for extent in chunk.extents {
                    extents.append(logical: extent.logical, physical: extent.physical, length: extent.length)
                }
                done += Int64(want)
            }
            return extents
        }
    }

    /// Writes `bytes` as the file's blocks from `firstBlock` on, skipping all-zero blocks when asked.
    func store(_ bytes: UnsafeRawBufferPointer, firstBlock: UInt32, skipZeroBlocks: Bool, path: String) throws
        -> Ext4ExtentList
    {
        var extents = Ext4ExtentList()
        guard let base = bytes.baseAddress, bytes.count > 0 else { return extents }
        let blocks = (bytes.count + blockSize - 1) / blockSize
        var index = 0
        while index < blocks {
            if skipZeroBlocks && isZero(base, block: index, total: bytes.count) {
                index += 1
                continue
            }
            var end = index + 1
            while end < blocks && !(skipZeroBlocks && isZero(base, block: end, total: bytes.count)) { end += 1 }
            // Blocks index..<end hold data: give them space, in as few runs as the free space allows.
            var next = index
            while next < end {
                let (start, length) = try filesystem.allocateRun(
                    upTo: UInt64(end - next), cursor: &cursor, for: path)
                let from = next * blockSize
                let to = min((next + Int(length)) * blockSize, bytes.count)
                try writeImage(base + from, count: to - from, at: start * UInt64(blockSize), path: path)
                extents.append(logical: firstBlock + UInt32(next), physical: start, length: UInt32(length))
                next += Int(length)
            }
            index = end
        }
        return extents
    }

    private func isZero(_ base: UnsafeRawPointer, block: Int, total: Int) -> Bool {
        let start = block * blockSize
        return memcmp(base + start, zeros, min(blockSize, total - start)) == 0
    }

    private func writeImage(_ bytes: UnsafeRawPointer, count: Int, at offset: UInt64, path: String) throws {
        var written = 0
        while written < count {
            let result = pwrite(image, bytes + written, count - written, off_t(offset) + off_t(written))
            if result < 0 {
                if errno == EINTR { continue }
                throw systemError("writing file data into the image", path: path)
            }
            written += result
        }
    }

    private func readFully(
        _ descriptor: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at position: Int64, _ hostPath: String,
        _ path: String
    ) throws {
        var got = 0
        while got < count {
            let result = pread(descriptor, buffer + got, count - got, off_t(position + Int64(got)))
            if result < 0 {
                if errno == EINTR { continue }
                throw systemError("reading \(hostPath) at byte \(position + Int64(got))", path: path)
            }
            guard result > 0 else {
                throw Ext4Error(
                    operation: "reading \(hostPath)", path: path,
                    reason: .invalid("the file ended at byte \(position + Int64(got)) while it was read"))
            }
            got += result
        }
    }

    /// The offset of the next data at or after `position` (SEEK_DATA), -1 when only holes follow, or
    /// nil when the filesystem cannot tell.
    private func nextData(_ descriptor: Int32, from position: Int64) -> Int64? {
        #if os(Linux)
            let seekData: Int32 = 3  // SEEK_DATA, which glibc declares only under _GNU_SOURCE
            let next = lseek(descriptor, off_t(position), seekData)
            if next >= 0 { return Int64(next) }
            return errno == ENXIO ? -1 : nil
        #else
            return nil
        #endif
    }

    private func openSource(_ hostPath: String, path: String) throws -> Source {
        if let source, source.path == hostPath { return source }
        if let source { close(source.descriptor) }
        source = nil
        let descriptor = open(hostPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw systemError("opening \(hostPath)", path: path) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = systemError("reading the size of \(hostPath)", path: path)
            close(descriptor)
            throw error
        }
        // Fewer allocated bytes than the size means holes worth finding with SEEK_DATA.
        let opened = Source(
            path: hostPath, descriptor: descriptor, size: Int64(info.st_size),
            sparse: Int64(info.st_blocks) * 512 < Int64(info.st_size))
        source = opened
        return opened
    }

    /// Sets the inode's xattrs through libext2fs, which places them in the inode where they fit and
    /// in one xattr block otherwise, and converts POSIX ACLs to the on-disk form.
    func writeXattrs(_ xattrs: [ExtendedAttribute], inode: UInt32, path: String) throws {
        var handle: OpaquePointer?
        try check(ext2fs_xattrs_open(fs, inode, &handle), "opening the xattrs", path: path)
        do {
            try check(ext2fs_xattrs_read(handle), "reading the xattrs", path: path)
            for xattr in xattrs {
                try xattr.value.withUnsafeBytes { value in
                    try check(
                        ext2fs_xattr_set(handle, xattr.name, value.baseAddress, value.count),
                        "setting xattr \(xattr.name)", path: path)
                }
            }
        } catch {
            ext2fs_xattrs_close(&handle)
            throw error
        }
        try check(ext2fs_xattrs_close(&handle), "writing the xattrs", path: path)
    }
}
