// Compression bombs made on the spot: a tar of files of zeros streamed through a compressor, so a
// gibibyte of data costs a few megabytes on disk and nothing is committed to the repository.
import Foundation

/// Writes a tar at `path` (plus the compression's suffix) holding, for each of `members`, a file of
/// that many zero bytes, compressed as asked; returns the file's path. The zeros come from sparse
/// files that GNU tar reads whole, and go through the compressor as a stream.
@discardableResult
public func writeZeroBomb(_ members: [(name: String, size: Int64)], to path: String, compression: Compression) throws
    -> String
{
    let source = path + ".zeros"
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: source) }
    for member in members { try runChecked(["truncate", "-s", "\(member.size)", source + "/" + member.name]) }
    let compressor: String =
        switch compression {
        case .none: "cat"
        case .gzip: "gzip -1 -n"
        case .xz: "xz -0 -T1"
        case .zstd: "zstd -q -1"
        }
    let output = path + compression.suffix
    try runChecked(
        [
            "bash", "-c",
            "set -o pipefail; source=$1; shift; tar --owner=0 --group=0 --mtime=@1700000000 -C \"$source\" -cf - "
                + "\"$@\" | " + compressor + " > \"$0\"",
            output, source,
        ] + members.map(\.name))
    return output
}
