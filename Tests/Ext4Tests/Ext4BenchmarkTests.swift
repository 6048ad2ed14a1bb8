import Ext4
import Foundation
import Rootfs
import TestSupport
import Testing

/// Wall time of `Ext4Writer` against the usual way to get the same image: `mkfs.ext4 -d` of the
/// directory (which a layer pipeline would first have to extract), same size, same features.
/// Off by default; run it optimized:
///
///     SLIPWAY_BENCH=1 swift test -c release --filter Ext4BenchmarkTests
///     SLIPWAY_BENCH=1 SLIPWAY_BENCH_DIRS=/usr/lib:/opt swift test -c release --filter Ext4BenchmarkTests
///
/// SLIPWAY_BENCH_MKFS=0 leaves mkfs.ext4 out (for profiling the writer alone).
///
/// Prints one line per directory with the best of three runs of each, after a warm-up that brings
/// the files into the page cache. Nothing is asserted about the times.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLIPWAY_BENCH"] != nil))
struct Ext4BenchmarkTests {
    static var directories: [String] {
        let list =
            ProcessInfo.processInfo.environment["SLIPWAY_BENCH_DIRS"] ?? "/usr/lib/python3.11:/usr/lib/x86_64-linux-gnu"
        return list.split(separator: ":").map(String.init)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func format(_ value: Double) -> String { String(format: "%.2f s", value) }

    @Test func writerAgainstMkfsDashD() throws {
        let scratch = try TemporaryDirectory("ext4-bench")
        for directory in Self.directories {
            var loaded: (Tree, HostTree.Summary)?
            let loadTime = try Self.seconds { loaded = try HostTree.load(directory) }
            guard let (tree, summary) = loaded else { continue }
            let ours = scratch.file("ours.img"), theirs = scratch.file("mkfs.img")
            let options = Ext4Options(seed: [1], timestamp: 1_700_000_000)
            // Warm-up, and the size both get.
            let size = try Ext4Writer.write(tree: tree, to: ours, options: options).sizeBytes

            var writer: [Double] = [], writerSynced: [Double] = [], mkfs: [Double] = []
            for _ in 0..<3 {
                try? FileManager.default.removeItem(atPath: ours)
                writer.append(try Self.seconds { try Ext4Writer.write(tree: tree, to: ours, options: options) })
                try? FileManager.default.removeItem(atPath: ours)
                writerSynced.append(
                    try Self.seconds {
                        try Ext4Writer.write(tree: tree, to: ours, options: options)
                        let descriptor = open(ours, O_RDONLY)
                        fsync(descriptor)
                        close(descriptor)
                    })
                guard ProcessInfo.processInfo.environment["SLIPWAY_BENCH_MKFS"] != "0" else { continue }
                try? FileManager.default.removeItem(atPath: theirs)
                var status: Int32 = -1
                mkfs.append(
                    try Self.seconds {
                        status = try runTool([
                            "mkfs.ext4", "-q", "-F", "-b", "4096", "-I", "256", "-m", "0", "-O", "^has_journal",
                            "-d", directory, theirs, "\(size / 1024)k",
                        ]).status
                    })
                #expect(status == 0, "mkfs.ext4 -d \(directory) failed")
            }
            let fsck = try runTool(["e2fsck", "-fn", ours])
            #expect(fsck.status == 0, "\(fsck.stdout)")
            let best = (writer.min() ?? 0, writerSynced.min() ?? 0, mkfs.min() ?? 0)
            print(
                "ext4 bench \(directory): \(summary.files) files, \(summary.directories) dirs, "
                    + "\(summary.symlinks) symlinks, \(summary.bytes >> 20) MiB in a \(size >> 20) MiB image | "
                    + "tree from disk \(Self.format(loadTime)) | Ext4Writer \(Self.format(best.0)) "
                    + "(+fsync \(Self.format(best.1))) | mkfs.ext4 -d \(Self.format(best.2)) | "
                    + "ratio \(String(format: "%.2f", best.2 / max(best.0, 0.001)))x")
        }
    }
}
