import Disk
import Foundation
import Profile
import TestSupport
import Testing

@testable import Build

/// The layout's and the ext4 writer's size errors, turned into problems at the profile key to change.
@Suite struct SizeProblemsTests {
    /// Loads `yaml` after a root section of one layer (lines 1 to 4), as `p.yaml`.
    private func profile(_ yaml: String, in dir: TemporaryDirectory) throws -> Profile {
        let path = dir.file("p.yaml")
        try ("name: t\nroot:\n  layers:\n    - packages: [busybox-static]\n" + yaml).write(
            toFile: path, atomically: true, encoding: .utf8)
        return try Profile.load(path: path)
    }

    @Test func aDiskTooSmallForAnAutomaticRootIsReportedAtDiskSize() throws {
        let dir = try TemporaryDirectory()
        let profile = try profile("disk:\n  size: 1GiB\n", in: dir)
        let problem = SizeProblems.atProfileKey(
            .diskTooSmall(needed: 1100 << 20, total: 1 << 30), profile: profile, rootfsName: "t.rootfs.ext4")
        #expect(
            problem?.description
                == "\(dir.file("p.yaml")):6:9: disk.size \"1GiB\": the partitions and partition tables need 1100 MiB "
                + "with root slots sized for the root filesystem t.rootfs.ext4; set disk.size to at least 1100MiB or "
                + "to auto")
    }

    @Test func aDefaultedSizeIsReportedAtItsSection() throws {
        let dir = try TemporaryDirectory()
        let profile = try profile("disk:\n  state: 64MiB\n", in: dir)
        let problem = SizeProblems.atProfileKey(
            .contentTooLarge(partition: "ESP", content: 130 << 20, partitionSize: 128 << 20), profile: profile,
            rootfsName: nil)
        #expect(
            problem?.description
                == "\(dir.file("p.yaml")):6:3: disk.esp \"128MiB\": the ESP's files (systemd-boot, and slot A's "
                + "kernel, initrd and loader entry) and the FAT filesystem's tables take 130.0 MiB (136314880 bytes) "
                + "but the partition is 128 MiB; set disk.esp to at least 130MiB")
    }

    @Test func otherErrorsAreLeftAlone() throws {
        let dir = try TemporaryDirectory()
        let profile = try profile("", in: dir)
        // An automatic root slot always fits its image; an automatic disk size always fits its partitions.
        #expect(
            SizeProblems.atProfileKey(
                .contentTooLarge(partition: "ROOT-A", content: 2 << 20, partitionSize: 1 << 20), profile: profile,
                rootfsName: "t.rootfs.ext4") == nil)
        #expect(
            SizeProblems.atProfileKey(.diskTooSmall(needed: 2 << 20, total: 1 << 20), profile: profile, rootfsName: nil)
                == nil)
        #expect(
            SizeProblems.atProfileKey(.invalidTable(reason: "x"), profile: profile, rootfsName: nil) == nil)
    }
}
