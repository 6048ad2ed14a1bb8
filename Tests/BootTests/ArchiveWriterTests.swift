import Archive
import Foundation
import TestSupport
import Testing

@Suite struct ArchiveWriterTests {
    /// A small tree of every member type the initramfs uses.
    static func sampleEntries(hostFile: String) -> [(ArchiveEntry, Data?)] {
        [
            (ArchiveEntry(path: "etc", type: .directory, permissions: 0o755, modificationTime: 1_700_000_000), nil),
            (
                ArchiveEntry(
                    path: "etc/hostname", type: .regular, permissions: 0o644, uid: 1000, gid: 100,
                    modificationTime: 1_700_000_000),
                Data("slipway\n".utf8)
            ),
            (ArchiveEntry(path: "bin", type: .directory, permissions: 0o755, modificationTime: 1_700_000_000), nil),
            (ArchiveEntry(path: "bin/tool", type: .regular, permissions: 0o4755, modificationTime: 1_700_000_000), nil),
            (
                ArchiveEntry(
                    path: "bin/sh", type: .symlink, permissions: 0o777, modificationTime: 1_700_000_000,
                    linkTarget: "tool"),
                nil
            ),
        ]
    }

    /// Writes the sample entries; bin/tool's data comes from bytes 2..<7 of a host file.
    static func writeSample(_ writer: ArchiveWriter, hostFile: String) throws {
        for (entry, data) in sampleEntries(hostFile: hostFile) {
            if let data {
                try writer.write(entry, bytes: Array(data))
            } else if entry.path == "bin/tool" {
                try writer.write(entry, contentsOf: hostFile, offset: 2, length: 5)
            } else {
                try writer.write(entry)
            }
        }
    }

    static func decompressCommand(_ compression: ArchiveCompression) -> String {
        switch compression {
        case .none: "cat"
        case .gzip: "gzip -dc"
        case .zstd: "zstd -dcq"
        }
    }

    @Test(arguments: ArchiveCompression.allCases)
    func cpioRoundTripThroughCpio(compression: ArchiveCompression) throws {
        let scratch = try TemporaryDirectory()
        let host = scratch.file("host.bin")
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: host))
        let archive = scratch.file("out.cpio")
        let writer = try ArchiveWriter(path: archive, format: .cpioNewc, compression: compression)
        try Self.writeSample(writer, hostFile: host)
        try writer.write(ArchiveEntry(path: "dev", type: .directory, permissions: 0o755))
        try writer.write(
            ArchiveEntry(
                path: "dev/console", type: .characterDevice, permissions: 0o600, deviceMajor: 5, deviceMinor: 1))
        try writer.close()

        let decompress = Self.decompressCommand(compression)
        let listing = try runTool(["sh", "-c", "\(decompress) < '\(archive)' | cpio -itv --quiet"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.map { $0.split(separator: " ").last.map(String.init) ?? "" }
                == ["etc", "etc/hostname", "bin", "bin/tool", "tool", "dev", "dev/console"])
        #expect(lines[3].hasPrefix("-rwsr-xr-x"))
        #expect(lines[4].hasPrefix("lrwxrwxrwx") && lines[4].hasSuffix("bin/sh -> tool"))
        #expect(lines[6].hasPrefix("crw-------") && lines[6].contains("5,   1"))

        // Extract the files (without the device node, which needs privileges) and compare contents.
        let out = scratch.file("extracted")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let extract = try runTool([
            "sh", "-c",
            "cd '\(out)' && \(decompress) < '\(archive)' | cpio -idm --quiet --no-absolute-filenames 'etc*' 'bin*'",
        ])
        #expect(extract.status == 0, "\(extract.stderr)")
        #expect(try String(contentsOfFile: out + "/etc/hostname", encoding: .utf8) == "slipway\n")
        #expect(try String(contentsOfFile: out + "/bin/tool", encoding: .utf8) == "23456")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/bin/sh") == "tool")
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/etc/hostname")
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_700_000_000)
    }

    @Test func cpioInodesCountUpInWriteOrder() throws {
        let writer = try ArchiveWriter(format: .cpioNewc)
        try writer.write(ArchiveEntry(path: "a", type: .directory, permissions: 0o755))
        try writer.write(ArchiveEntry(path: "a/b", type: .regular), bytes: Array("x".utf8))
        try writer.write(ArchiveEntry(path: "a/c", type: .symlink, linkTarget: "b"))
        let bytes = try writer.close()
        // newc headers: "070701", then c_ino as 8 hex digits; the trailer is an entry too.
        var inodes: [Int] = []
        var names: [String] = []
        var offset = 0
        while offset + 110 <= bytes.count, String(decoding: bytes[offset..<(offset + 6)], as: UTF8.self) == "070701" {
            func field(_ index: Int) -> Int {
                Int(
                    String(decoding: bytes[(offset + 6 + index * 8)..<(offset + 14 + index * 8)], as: UTF8.self),
                    radix: 16) ?? -1
            }
            let nameSize = field(11)
            let fileSize = field(6)
            names.append(String(decoding: bytes[(offset + 110)..<(offset + 110 + nameSize - 1)], as: UTF8.self))
            inodes.append(field(0))
            #expect(field(10) == 0 && field(9) == 0, "device major/minor of the archive must be 0")
            offset = (offset + 110 + nameSize + 3) & ~3
            offset = (offset + fileSize + 3) & ~3
        }
        #expect(names == ["a", "a/b", "a/c", "TRAILER!!!"])
        #expect(Array(inodes.prefix(3)) == [1, 2, 3])
    }

    @Test func paxTarShowsOwnersModesAndTimes() throws {
        let scratch = try TemporaryDirectory()
        let host = scratch.file("host.bin")
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: host))
        let archive = scratch.file("out.tar")
        let writer = try ArchiveWriter(path: archive, format: .paxTar)
        try Self.writeSample(writer, hostFile: host)
        try writer.close()
        let listing = try runTool(["tar", "--numeric-owner", "--utc", "-tvf", archive])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[1].hasPrefix("-rw-r--r-- 1000/100") && lines[1].contains("8 2023-11-14 22:13 etc/hostname"))
        #expect(lines[3].hasPrefix("-rwsr-xr-x 0/0") && lines[3].hasSuffix("bin/tool"))
        #expect(lines[4].hasPrefix("lrwxrwxrwx 0/0") && lines[4].hasSuffix("bin/sh -> tool"))
    }

    @Test func paxTarRoundTripsThroughTheReader() throws {
        var entry = ArchiveEntry(
            path: "usr/bin/ping", type: .regular, permissions: 0o755, uid: 0, gid: 0, modificationTime: 42)
        entry.xattrs = [(name: "security.capability", value: [1, 0, 0, 2, 0, 32, 0, 0])]
        let longName = String(repeating: "long-directory-name/", count: 8) + "file"
        let writer = try ArchiveWriter(format: .paxTar, compression: .zstd)
        try writer.write(entry, bytes: [1, 2, 3])
        try writer.write(ArchiveEntry(path: longName, type: .regular), bytes: [])
        try writer.write(ArchiveEntry(path: "usr/bin/ping6", type: .hardlink, linkTarget: "usr/bin/ping"))
        let reader = try ArchiveReader(bytes: try writer.close(), label: "test.tar.zst")
        let first = try #require(try reader.next())
        #expect(first.path == "usr/bin/ping" && first.size == 3 && first.permissions == 0o755)
        #expect(first.xattrs.map(\.name) == ["security.capability"])
        #expect(first.xattrs.first?.value == [1, 0, 0, 2, 0, 32, 0, 0])
        #expect(try reader.readAll() == [1, 2, 3])
        #expect(try reader.next()?.path == longName)
        let link = try #require(try reader.next())
        #expect(link.type == .hardlink && link.linkTarget == "usr/bin/ping")
        #expect(try reader.next() == nil)
    }

    @Test(arguments: [ArchiveFormat.cpioNewc, .paxTar], ArchiveCompression.allCases)
    func sameEntriesGiveSameBytes(format: ArchiveFormat, compression: ArchiveCompression) throws {
        let scratch = try TemporaryDirectory()
        let host = scratch.file("host.bin")
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: host))
        func write() throws -> [UInt8] {
            let writer = try ArchiveWriter(format: format, compression: compression)
            try Self.writeSample(writer, hostFile: host)
            return try writer.close()
        }
        let first = try write()
        // Change what a careless writer would copy from the host: the source file's times.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: host)
        #expect(try write() == first)
        if compression == .gzip {
            // The gzip header's MTIME field (bytes 4..<8) stays zero rather than the time of writing.
            #expect(Array(first[4..<8]) == [0, 0, 0, 0])
        }
    }

    @Test func fileOutputAppearsOnlyAfterClose() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.file("initrd.img")
        do {
            let writer = try ArchiveWriter(path: path, format: .cpioNewc, compression: .gzip)
            try writer.write(ArchiveEntry(path: "init", type: .regular), bytes: [1])
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        // Released without close(): nothing at the path and no partial file left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        let writer = try ArchiveWriter(path: path, format: .cpioNewc, compression: .gzip)
        try writer.write(ArchiveEntry(path: "init", type: .regular), bytes: [1])
        try writer.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["initrd.img"])
    }

    @Test func rejectedMembersNameTheRule() throws {
        let writer = try ArchiveWriter(format: .cpioNewc, label: "initrd.img")
        try expectArchiveError(
            archive: "initrd.img", operation: "write init",
            message: "a regular file of 5 bytes needs its data: use write(_:bytes:)"
        ) {
            try writer.write(ArchiveEntry(path: "init", type: .regular, size: 5))
        }
        try expectArchiveError(
            archive: "initrd.img", operation: "write bin/ls",
            message: "cpio newc output does not take hard links; write a symlink or a copy"
        ) {
            try writer.write(ArchiveEntry(path: "bin/ls", type: .hardlink, linkTarget: "bin/busybox"))
        }
        var withXattr = ArchiveEntry(path: "bin/ping", type: .regular)
        withXattr.xattrs = [(name: "security.capability", value: [1])]
        try expectArchiveError(
            archive: "initrd.img", operation: "write bin/ping",
            message: "cpio newc cannot store extended attributes (security.capability)"
        ) {
            try writer.write(withXattr, bytes: [])
        }
        try expectArchiveError(
            archive: "initrd.img", operation: "write etc",
            message: "only regular files have data; write a directory member with write(_:)"
        ) {
            try writer.write(ArchiveEntry(path: "etc", type: .directory), bytes: [1])
        }
        let scratch = try TemporaryDirectory()
        let host = scratch.file("short")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: host))
        try expectArchiveError(
            archive: "initrd.img", operation: "write lib/libc.so.6",
            message: "\(host) has 3 bytes, fewer than the 10 asked for at offset 0"
        ) {
            try writer.write(ArchiveEntry(path: "lib/libc.so.6", type: .regular), contentsOf: host, length: 10)
        }
        try expectArchiveError(
            archive: "initrd.img", operation: "write lib/libm.so.6 from /nonexistent/libm.so.6",
            message: "open: No such file or directory"
        ) {
            try writer.write(ArchiveEntry(path: "lib/libm.so.6", type: .regular), contentsOf: "/nonexistent/libm.so.6")
        }
        // The archive is still usable after rejected members.
        try writer.write(ArchiveEntry(path: "init", type: .regular), bytes: [1])
        #expect(try !writer.close().isEmpty)
    }

    @Test func compressedStreamDecompressesWhatZstdAndXzWrote() throws {
        let scratch = try TemporaryDirectory()
        let plain = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
        try Data(plain).write(to: URL(fileURLWithPath: scratch.file("blob")))
        for (tool, suffix) in [("xz -k", "xz"), ("zstd -q -k", "zst"), ("gzip -k", "gz")] {
            #expect(try runTool(["sh", "-c", "cd '\(scratch.path)' && \(tool) blob"]).status == 0)
            let compressed = try Array(Data(contentsOf: URL(fileURLWithPath: scratch.file("blob.\(suffix)"))))
            #expect(try CompressedStream.decompress(compressed, label: "blob.\(suffix)") == plain)
        }
        try expectArchiveError(archive: "blob.xz", operation: "decompress", message: "larger than 1000 bytes") {
            let compressed = try Array(Data(contentsOf: URL(fileURLWithPath: scratch.file("blob.xz"))))
            _ = try CompressedStream.decompress(compressed, label: "blob.xz", limit: 1000)
        }
    }
}

/// Asserts that `body` throws exactly this ArchiveError.
func expectArchiveError(
    archive: String, operation: String, message: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws {
    let error = #expect(throws: ArchiveError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.archive == archive, sourceLocation: sourceLocation)
    #expect(error?.operation == operation, sourceLocation: sourceLocation)
    #expect(error?.message == message, sourceLocation: sourceLocation)
}
