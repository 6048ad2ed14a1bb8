import Foundation
import TestSupport
import Testing

/// `build --format`: an unknown format is a usage error that lists every format, and --help names them.
@Suite struct FormatOptionTests {
    @Test func unknownFormatListsEveryFormat() throws {
        let directory = try TemporaryDirectory()
        try Data(oneFileProfile.utf8).write(to: URL(fileURLWithPath: directory.file("p.yaml")))
        let result = try slipway(["build", "--format", "vdi", "p.yaml"], in: directory.path)
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix("slipway build: --format vdi: use raw, qcow2, vmdk, vhd or gce"), "\(result.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")))
    }

    @Test func helpNamesEveryFormatAndItsFile() throws {
        let help = try slipway(["build", "--help"]).stdout
        for text in ["raw, qcow2, vmdk, vhd or gce", "NAME.vmdk", "NAME.vhd", "NAME.tar.gz", "streamOptimized"] {
            #expect(help.contains(text), "\(text)")
        }
    }
}
