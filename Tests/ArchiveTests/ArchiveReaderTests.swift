import Archive
import Foundation
import TestSupport
import Testing

/// Reading real archives made by python3's tarfile and the tar CLI.
@Suite struct ArchiveReaderTests {
    /// A tar with one member of every type, the way `tarfile` writes it in pax format.
    static func makeAllTypes(in directory: String) throws {
        try python(
            """
            import tarfile, io
            def add(t, name, kind, data=b'', **kw):
                i = tarfile.TarInfo(name); i.type = kind; i.mtime = kw.get('mtime', 1700000000)
                i.mode = kw.get('mode', 0o644); i.uid = kw.get('uid', 0); i.gid = kw.get('gid', 0)
                i.linkname = kw.get('link', ''); i.devmajor = kw.get('major', 0); i.devminor = kw.get('minor', 0)
                i.pax_headers = kw.get('pax', {})
                if kind == tarfile.REGTYPE: i.size = len(data)
                t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
            cap = bytes([1,0,0,2, 0,4,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0]).decode('latin-1')
            with tarfile.open('all.tar', 'w', format=tarfile.PAX_FORMAT) as t:
                add(t, 'etc', tarfile.DIRTYPE, mode=0o755, mtime=1600000000)
                add(t, 'etc/hostname', tarfile.REGTYPE, b'slipway\\n', mode=0o640, uid=1000, gid=100)
                add(t, 'bin/ping', tarfile.REGTYPE, b'ELF', mode=0o4755,
                    pax={'SCHILY.xattr.security.capability': cap})
                add(t, 'etc/localtime', tarfile.SYMTYPE, link='/usr/share/zoneinfo/UTC', mode=0o777)
                add(t, 'etc/hostname.bak', tarfile.LNKTYPE, link='etc/hostname')
                add(t, 'dev/null', tarfile.CHRTYPE, mode=0o666, major=1, minor=3)
                add(t, 'dev/sda', tarfile.BLKTYPE, mode=0o660, major=8, minor=0, gid=6)
                add(t, 'run/initctl', tarfile.FIFOTYPE, mode=0o600)
                add(t, 'caf\\u00e9/men\\u00fc', tarfile.REGTYPE, b'unicode')
            """, in: directory)
    }

    @Test func readsEveryMemberType() throws {
        let scratch = try TemporaryDirectory()
        try Self.makeAllTypes(in: scratch.path)
        let members = try readEverything(try ArchiveReader(path: scratch.file("all.tar")))
        let byPath = Dictionary(uniqueKeysWithValues: members.map { ($0.entry.path, $0) })
        #expect(members.map(\.entry.path).count == 9)

        let directory = try #require(byPath["etc/"]).entry
        #expect(directory.type == .directory && directory.permissions == 0o755)
        #expect(directory.modificationTime == 1_600_000_000)

        let hostname = try #require(byPath["etc/hostname"])
        #expect(hostname.entry.type == .regular && hostname.entry.size == 8)
        #expect(hostname.entry.permissions == 0o640 && hostname.entry.uid == 1000 && hostname.entry.gid == 100)
        #expect(hostname.data == Array("slipway\n".utf8))

        let ping = try #require(byPath["bin/ping"]).entry
        #expect(ping.permissions == 0o4755)
        #expect(ping.xattrs.map(\.name) == ["security.capability"])
        #expect(ping.xattrs.first?.value == [1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])

        let link = try #require(byPath["etc/localtime"]).entry
        #expect(link.type == .symlink && link.linkTarget == "/usr/share/zoneinfo/UTC")

        let hardlink = try #require(byPath["etc/hostname.bak"]).entry
        #expect(hardlink.type == .hardlink && hardlink.linkTarget == "etc/hostname")

        let null = try #require(byPath["dev/null"]).entry
        #expect(null.type == .characterDevice && null.deviceMajor == 1 && null.deviceMinor == 3)
        let disk = try #require(byPath["dev/sda"]).entry
        #expect(disk.type == .blockDevice && disk.deviceMajor == 8 && disk.deviceMinor == 0 && disk.gid == 6)
        #expect(try #require(byPath["run/initctl"]).entry.type == .fifo)
        #expect(try #require(byPath["café/menü"]).data == Array("unicode".utf8))
    }

    /// The same tree compressed every way the tar CLI can: detected by content, not by name.
    @Test(arguments: [
        ("gz", ["-z"]), ("xz", ["-J"]), ("zst", ["--zstd"]), ("bz2", ["-j"]), ("none", [String]()),
    ])
    func detectsCompressionByContent(suffix: String, flags: [String]) throws {
        let scratch = try TemporaryDirectory()
        let tree = scratch.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: 300_000).write(to: URL(fileURLWithPath: tree + "/sub/big"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: tree + "/small"))
        // A neutral name: the reader must recognise the filter from the bytes.
        let archive = scratch.file("layer.bin")
        try tool(["tar"] + flags + ["-cf", archive, "-C", tree, "--sort=name", "sub", "small"])
        let members = try readEverything(try ArchiveReader(path: archive, label: "layer.\(suffix)"))
        #expect(members.map(\.entry.path) == ["sub/", "sub/big", "small"])
        #expect(members[1].data == [UInt8](repeating: 0x61, count: 300_000))
        #expect(members[2].data == [0x78])
    }

    @Test func readsFromMemoryAfterTheCallerDropsItsArray() throws {
        let scratch = try TemporaryDirectory()
        try Self.makeAllTypes(in: scratch.path)
        var input = try bytes(ofFile: scratch.file("all.tar"))
        let reader = try ArchiveReader(bytes: input, label: "fixture")
        // Overwrite and release the caller's storage: the reader must hold its own copy.
        for index in input.indices { input[index] = 0xff }
        input = []
        let members = try readEverything(reader)
        #expect(members.count == 9)
        #expect(members.first { $0.entry.path == "etc/hostname" }?.data == Array("slipway\n".utf8))
    }

    @Test func locatesUncompressedMemberDataInPlace() throws {
        let scratch = try TemporaryDirectory()
        try Self.makeAllTypes(in: scratch.path)
        let path = scratch.file("all.tar")
        let file = try bytes(ofFile: path)
        let reader = try ArchiveReader(path: path)
        var located = 0
        while let entry = try reader.next() {
            guard let location = reader.currentDataLocation else {
                #expect(entry.type != .regular, "regular member \(entry.path) has no location")
                continue
            }
            #expect(location.path == path)
            let start = Int(location.offset)
            let data = try reader.readAll()
            #expect(Array(file[start..<start + Int(entry.size)]) == data)
            #expect(reader.currentDataLocation == nil, "location must be withdrawn once data was read")
            located += 1
        }
        #expect(located == 3)

        try tool(["gzip", "-k", path])
        let compressed = try ArchiveReader(path: path + ".gz")
        while try compressed.next() != nil { #expect(compressed.currentDataLocation == nil) }
    }

    /// A tar inside an uncompressed tar, read through a byte range of the outer file.
    @Test func readsAMemberArchiveThroughAByteRange() throws {
        let scratch = try TemporaryDirectory()
        try Self.makeAllTypes(in: scratch.path)
        try python(
            """
            import tarfile
            with tarfile.open('outer.tar', 'w') as t:
                t.add('all.tar', arcname='abc/layer.tar')
            """, in: scratch.path)
        let outer = try ArchiveReader(path: scratch.file("outer.tar"))
        let member = try #require(try outer.next())
        let location = try #require(outer.currentDataLocation)
        let inner = try ArchiveReader(
            path: location.path, offset: location.offset, length: member.size, label: "abc/layer.tar")
        let members = try readEverything(inner)
        #expect(members.count == 9)
        #expect(members.first { $0.entry.path == "etc/hostname" }?.data == Array("slipway\n".utf8))

        #expect(throws: ArchiveError.self) {
            _ = try ArchiveReader(path: location.path, offset: location.offset, length: 1 << 40, label: "x")
        }
    }

    /// A tar inside a compressed tar, streamed through the outer reader.
    @Test func readsAMemberArchiveThroughTheOuterReader() throws {
        let scratch = try TemporaryDirectory()
        try Self.makeAllTypes(in: scratch.path)
        try python(
            """
            import tarfile
            with tarfile.open('outer.tar.gz', 'w:gz') as t:
                t.add('all.tar', arcname='first/layer.tar')
                t.add('all.tar', arcname='second/layer.tar')
            """, in: scratch.path)
        let outer = try ArchiveReader(path: scratch.file("outer.tar.gz"))
        var counts: [Int] = []
        while try outer.next() != nil {
            let inner = try ArchiveReader(currentMemberOf: outer, label: "layer")
            let members = try readEverything(inner)
            #expect(members.first { $0.entry.path == "etc/hostname" }?.data == Array("slipway\n".utf8))
            counts.append(members.count)
        }
        #expect(counts == [9, 9])

        // A member that is not an archive fails in the inner reader, naming it.
        try python(
            """
            import tarfile, io
            with tarfile.open('junk.tar', 'w') as t:
                i = tarfile.TarInfo('junk'); i.size = 3000
                t.addfile(i, io.BytesIO(bytes(range(250)) * 12))
            """, in: scratch.path)
        let junk = try ArchiveReader(path: scratch.file("junk.tar"))
        _ = try junk.next()
        #expect(throws: ArchiveError.self) {
            _ = try readEverything(try ArchiveReader(currentMemberOf: junk, label: "junk"))
        }
    }

    /// A GNU sparse file: blocks skip the hole, chunks fill it with zeros.
    @Test func readsSparseMembers() throws {
        let scratch = try TemporaryDirectory()
        let sparse = scratch.file("sparse")
        try tool(["truncate", "-s", "1M", sparse])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sparse))
        try handle.seek(toOffset: 300_000)
        try handle.write(contentsOf: Data("hello".utf8))
        try handle.close()
        try tool(["tar", "--sparse", "-cf", scratch.file("s.tar"), "-C", scratch.path, "sparse"])

        let reader = try ArchiveReader(path: scratch.file("s.tar"))
        let entry = try #require(try reader.next())
        #expect(entry.size == 1 << 20)
        #expect(reader.currentDataLocation == nil)
        var stored: [(Int64, [UInt8])] = []
        try reader.forEachBlock { offset, bytes in stored.append((offset, Array(bytes))) }
        let storedBytes = stored.reduce(0) { $0 + $1.1.count }
        #expect(storedBytes < 1 << 20, "the hole must not be passed as data")
        let hello = try #require(stored.first { $0.1.contains(0x68) })
        let index = try #require(hello.1.firstIndex(of: 0x68))
        #expect(hello.0 + Int64(index) == 300_000)

        let dense = try ArchiveReader(path: scratch.file("s.tar"))
        _ = try dense.next()
        let all = try dense.readAll()
        #expect(all.count == 1 << 20)
        #expect(Array(all[300_000..<300_005]) == Array("hello".utf8))
        #expect(all[0..<300_000].allSatisfy { $0 == 0 })
    }

    @Test func readsDebianStyleArMembers() throws {
        let scratch = try TemporaryDirectory()
        try Data("2.0\n".utf8).write(to: URL(fileURLWithPath: scratch.file("debian-binary")))
        try Data("payload".utf8).write(to: URL(fileURLWithPath: scratch.file("data.tar")))
        try tool(["ar", "rc", scratch.file("p.deb"), scratch.file("debian-binary"), scratch.file("data.tar")])
        let members = try readEverything(
            try ArchiveReader(bytes: try bytes(ofFile: scratch.file("p.deb")), label: "p.deb"))
        #expect(members.map(\.entry.path) == ["debian-binary", "data.tar"])
        #expect(members[0].data == Array("2.0\n".utf8))
    }
}
