// What the fuzz targets check for each input, shared with the regression tests that replay every
// kept input (Fuzz/Corpus) in `make test`: each check returns the broken expectation, or nil. A
// crash, a hang or unbounded memory is caught by the fuzzer (or the test's time limit) instead.
import Archive
import Butane
import FirstBoot
import Foundation
import PartitionTable
import Profile
import Rootfs

public enum FuzzChecks {
    /// Loads `bytes` as a profile file in `directory`, as `slipway profile validate` does:
    /// a profile, or problems that each name a file.
    public static func profile(_ bytes: [UInt8], directory: String) -> String? {
        let path = directory + "/p.yaml"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            return "cannot write \(path)"
        }
        do {
            _ = try Profile.load(path: path)
        } catch {
            if let unplaced = error.problems.first(where: { $0.file.isEmpty }) {
                return "a problem without a file: \(unplaced)"
            }
        }
        return nil
    }

    /// Parses, decodes and validates `bytes` as an Ignition config: a rejected config says why, and
    /// a valid one has no errors.
    public static func ignition(_ bytes: [UInt8]) -> String? {
        let report = ConfigParser.parse(bytes)
        if report.config == nil && report.errors.isEmpty { return "rejected without an error" }
        if report.isValid && !report.errors.isEmpty { return "valid with errors: \(report.errors)" }
        return nil
    }

    /// Renders `bytes` as a Butane config: a config or a ButaneError (the only error `render` can
    /// throw), never a crash or a hang.
    public static func butane(_ bytes: [UInt8]) -> String? {
        _ = try? ButaneRenderer.render(String(decoding: bytes, as: UTF8.self))
        return nil
    }

    /// Reads `bytes` as a tar layer (any compression libarchive detects) into a store of at most
    /// 64 MiB in `directory`, and merges it: a tree, or a RootfsError or ArchiveError.
    public static func tarLayer(_ bytes: [UInt8], directory: String) -> String? {
        do {
            let store = try ContentStore(directory: directory, limit: 64 << 20)
            let assembler = RootfsAssembler(store: store)
            try assembler.apply(reader: try ArchiveReader(bytes: bytes, label: "fuzz"), label: "fuzz")
        } catch is RootfsError {
        } catch is ArchiveError {
        } catch {
            return "unexpected error type \(type(of: error)): \(error)"
        }
        return nil
    }

    /// Reads `bytes` as an image archive file (a `docker save` tar or an OCI image layout in a tar,
    /// told apart by content as `slipway build` does), takes its image and merges every layer into a
    /// store of at most 64 MiB in `directory`: a tree, or a RootfsError or ArchiveError.
    public static func imageArchive(_ bytes: [UInt8], directory: String) -> String? {
        let path = directory + "/image.tar"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            return "cannot write \(path)"
        }
        do {
            let store = try ContentStore(directory: directory, limit: 64 << 20)
            let assembler = RootfsAssembler(store: store)
            for layer in try assembler.layerReader.readImage(at: path, reference: nil).layers {
                try assembler.merge(layer)
            }
        } catch is RootfsError {
        } catch is ArchiveError {
        } catch {
            return "unexpected error type \(type(of: error)): \(error)"
        }
        return nil
    }

    /// Reads a GPT from a 64 MiB disk whose first bytes are `bytes` (the rest reads as zeros), with
    /// both copies and with the primary only: a table or a GPTError, and no read outside the disk.
    public static func gpt(_ bytes: [UInt8]) -> String? {
        let sectorCount: UInt64 = (64 << 20) / 512
        var outside: String?
        let read: (UInt64, Int) throws -> [UInt8] = { lba, sectors in
            guard lba < sectorCount, sectors >= 0, UInt64(sectors) <= sectorCount - lba else {
                outside = "read past the disk: LBA \(lba) + \(sectors) sectors"
                return []
            }
            let start = Int(lba) * 512
            var read = [UInt8](repeating: 0, count: sectors * 512)
            let stored = max(0, min(bytes.count - start, read.count))
            if stored > 0 { read.replaceSubrange(0..<stored, with: bytes[start..<start + stored]) }
            return read
        }
        do {
            _ = try GPT.parse(sectorCount: sectorCount, source: "fuzz", readSectors: read)
            _ = try GPT.parsePrimary(sectorCount: sectorCount, source: "fuzz", readSectors: read)
        } catch is GPTError {
        } catch {
            return "unexpected error type \(type(of: error)): \(error)"
        }
        return outside
    }
}
