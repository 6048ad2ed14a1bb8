import Archive
import Boot
import TestSupport

/// The real Debian cloud kernel, read once per test run (decompressing it takes a few seconds).
enum RealKernel {
    static let loaded: Result<KernelPackage, any Error> = Result { try read(deb: try Fixtures.kernelPackage()) }

    static func package() throws -> KernelPackage { try loaded.get() }

    /// Opens the .deb (an ar archive), finds data.tar.* and reads the kernel from it.
    static func read(deb: String) throws -> KernelPackage {
        let ar = try ArchiveReader(path: deb)
        while let member = try ar.next() {
            guard member.path.hasPrefix("data.tar") else { continue }
            let data = try ArchiveReader(bytes: try ar.readAll(), label: "\(member.path) in \(deb)")
            return try KernelPackage(dataArchive: data, label: deb)
        }
        throw FixtureError("\(deb) has no data.tar member")
    }
}
