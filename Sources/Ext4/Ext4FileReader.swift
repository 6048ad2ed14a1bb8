// Reading one file out of an ext4 filesystem inside an image, through libext2fs, without mounting:
// offline `slipway update apply` reads the running slot's release and trusted keys this way.
import CExt2fs

public enum Ext4FileReader {
    /// The contents of the regular file at `path` (absolute, symlinks not followed) in the
    /// filesystem at byte `offset` of `image`, at most `limit` bytes; nil when it does not exist.
    public static func read(image: String, offset: UInt64, path: String, limit: Int = 1 << 20) throws -> [UInt8]? {
        var handle: ext2_filsys?
        let opened = ext2fs_open2(image, "offset=\(offset)", 0, 0, 0, slipway_unix_io_manager(), &handle)
        guard opened == 0, let fs = handle else { throw failure("open the filesystem", image, opened) }
        defer { ext2fs_close_free(&handle) }
        var inode: ext2_ino_t = 0
        let found = ext2fs_namei(fs, ext2_ino_t(EXT2_ROOT_INO), ext2_ino_t(EXT2_ROOT_INO), path, &inode)
        if found == errcode_t(EXT2_ET_FILE_NOT_FOUND) { return nil }
        guard found == 0 else { throw failure("look up", path, found) }
        var file: ext2_file_t?
        let status = ext2fs_file_open(fs, inode, 0, &file)
        guard status == 0, let file else { throw failure("open", path, status) }
        defer { ext2fs_file_close(file) }
        let size = Int(ext2fs_file_get_size(file))
        guard size <= limit else {
            throw Ext4Error(operation: "read", path: path, reason: .invalid("\(size) bytes, more than \(limit)"))
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            var got: UInt32 = 0
            let read = bytes.withUnsafeMutableBytes {
                ext2fs_file_read(file, $0.baseAddress.map { $0 + done }, UInt32(size - done), &got)
            }
            guard read == 0 else { throw failure("read", path, read) }
            if got == 0 { break }
            done += Int(got)
        }
        return Array(bytes[..<done])
    }

    private static func failure(_ operation: String, _ path: String, _ code: errcode_t) -> Ext4Error {
        Ext4Error(
            operation: operation, path: path,
            reason: .library(code: Int64(code), message: String(cString: error_message(code))))
    }
}
