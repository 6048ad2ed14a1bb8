import Foundation
import TestSupport
import Testing

@testable import Runner

@Suite struct RunDirectoryTests {
    @Test func locatesTheFirstCompletePair() throws {
        let scratch = try TemporaryDirectory()
        for name in ["new_CODE.fd", "old_CODE.fd", "old_VARS.fd"] {
            FileManager.default.createFile(atPath: scratch.file(name), contents: Data([1]))
        }
        let candidates = [
            Firmware(code: scratch.file("new_CODE.fd"), variables: scratch.file("new_VARS.fd")),  // VARS missing
            Firmware(code: scratch.file("old_CODE.fd"), variables: scratch.file("old_VARS.fd")),
        ]
        #expect(Firmware.locate(environment: [:], candidates: candidates) == candidates[1])
        #expect(Firmware.locate(environment: [:], candidates: Array(candidates.prefix(1))) == nil)
    }

    @Test func environmentOverridesTheSearch() {
        let chosen = Firmware.locate(
            environment: ["SLIPWAY_OVMF_CODE": "/x/code.fd", "SLIPWAY_OVMF_VARS": "/x/vars.fd"], candidates: [])
        #expect(chosen == Firmware(code: "/x/code.fd", variables: "/x/vars.fd"))
    }

    @Test(arguments: [("raw", ImageFormat.raw), ("qcow2", ImageFormat.qcow2)])
    func detectsImageFormat(format: String, expected: ImageFormat) throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk.\(format)")
        try runTool(["qemu-img", "create", "-q", "-f", format, image, "16M"])
        #expect(try ImageFormat.detect(path: image) == expected)
    }

    @Test func missingImageIsNamed() {
        #expect {
            try ImageFormat.detect(path: "/nonexistent/disk.img")
        } throws: { error in
            guard let error = error as? RunnerError else { return false }
            return error.kind == .invalidConfiguration && error.subject == "/nonexistent/disk.img"
        }
    }

    @Test(arguments: ["raw", "qcow2"])
    func overlayIsBackedByTheImage(format: String) throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk.\(format)")
        try runTool(["qemu-img", "create", "-q", "-f", format, image, "64M"])
        let directory = try RunDirectory()
        defer { directory.remove() }
        let disk = try directory.disk(for: DiskAttachment(path: image), qemuImg: "qemu-img")
        #expect(disk == PlannedDisk(path: directory.file("overlay.qcow2"), format: .qcow2, throwaway: true))
        let info = try runTool(["qemu-img", "info", "--output=json", disk.path])
        let json = try #require(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(json["format"] as? String == "qcow2")
        #expect(json["backing-filename"] as? String == image)
        #expect(json["backing-filename-format"] as? String == format)
        #expect(json["virtual-size"] as? Int == 64 << 20)
    }

    /// `--disk-size`: the overlay is as large as asked (STATE grows into it), never smaller than the image.
    @Test(arguments: ["raw", "qcow2"])
    func overlayCanBeLargerThanTheImage(format: String) throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk.\(format)")
        try runTool(["qemu-img", "create", "-q", "-f", format, image, "64M"])
        let directory = try RunDirectory()
        defer { directory.remove() }
        let disk = try directory.disk(for: DiskAttachment(path: image, sizeMiB: 1024), qemuImg: "qemu-img")
        let info = try runTool(["qemu-img", "info", "--output=json", disk.path])
        let json = try #require(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(json["virtual-size"] as? Int == 1 << 30)
        #expect(json["backing-filename"] as? String == image)
        #expect(throws: RunnerError.self) {
            try directory.disk(for: DiskAttachment(path: image, sizeMiB: 63), qemuImg: "qemu-img")
        }
        do {
            _ = try directory.disk(for: DiskAttachment(path: image, sizeMiB: 63), qemuImg: "qemu-img")
        } catch {
            #expect("\(error)".contains("the image is 64 MiB; a disk of 63 MiB would cut it short"), "\(error)")
        }
    }

    @Test func persistAttachesTheImageItself() throws {
        let scratch = try TemporaryDirectory()
        let image = scratch.file("disk.img")
        _ = FileManager.default.createFile(atPath: image, contents: Data(count: 4096))
        let directory = try RunDirectory()
        defer { directory.remove() }
        let disk = try directory.disk(for: DiskAttachment(path: image, persist: true), qemuImg: "qemu-img")
        #expect(disk == PlannedDisk(path: image, format: .raw, throwaway: false))
        #expect(!FileManager.default.fileExists(atPath: directory.file("overlay.qcow2")))
    }

    @Test func firmwareVariablesArePrivateCopies() throws {
        let scratch = try TemporaryDirectory()
        let template = scratch.file("VARS.fd"), code = scratch.file("CODE.fd")
        _ = FileManager.default.createFile(atPath: template, contents: Data([7, 7, 7]))
        _ = FileManager.default.createFile(atPath: code, contents: Data([1]))
        let directory = try RunDirectory()
        let firmware = try directory.privateFirmware(Firmware(code: code, variables: template))
        #expect(firmware.code == code)
        #expect(firmware.variables == directory.file("OVMF_VARS.fd"))
        #expect(FileManager.default.contents(atPath: firmware.variables) == Data([7, 7, 7]))
        directory.remove()
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        #expect(FileManager.default.contents(atPath: template) == Data([7, 7, 7]))
    }
}
