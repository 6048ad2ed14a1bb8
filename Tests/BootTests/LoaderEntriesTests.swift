import Boot
import Testing

@Suite struct LoaderEntriesTests {
    @Test func loaderConfBootsTheBestSlipwayEntryAtOnce() {
        #expect(
            LoaderEntries.loaderConf() == "default slipway-*\ntimeout 0\neditor no\nauto-entries no\nauto-firmware no\n"
        )
    }

    @Test(arguments: [
        (BootSlot.a, "loader/entries/slipway-a+3.conf", "ROOT-A"),
        (BootSlot.b, "loader/entries/slipway-b+3.conf", "ROOT-B"),
    ])
    func slotEntryCountsBootsAndNamesItsRoot(slot: BootSlot, path: String, label: String) {
        #expect(LoaderEntries.entryPath(slot: slot) == path)
        let text = LoaderEntries.entry(
            slot: slot, title: "slipway minimal", version: "1.0.0", commandLine: .forSlot(slot))
        #expect(
            text == """
                title slipway minimal (slot \(slot.rawValue.uppercased()))
                version 1.0.0
                sort-key slipway
                linux /slipway-\(slot.rawValue)/vmlinuz
                initrd /slipway-\(slot.rawValue)/initrd.img
                options slipway.root=PARTLABEL=\(label) slipway.state=PARTLABEL=STATE slipway.init=/sbin/init \
                slipway.timeout=30 console=ttyS0 panic=-1 apparmor=0 SWIFT_DETERMINISTIC_HASHING=1

                """)
    }

    @Test func commandLineByPartitionGUID() {
        let line = KernelCommandLine(
            root: .uuid("6C1B3E5D-0A3F-4E7B-9D2A-1F00000000A1"), initPath: "/lib/systemd/systemd", timeoutSeconds: 5,
            extra: ["console=ttyS0"])
        #expect(
            line.text
                == "slipway.root=PARTUUID=6c1b3e5d-0a3f-4e7b-9d2a-1f00000000a1 slipway.state=PARTLABEL=STATE "
                + "slipway.init=/lib/systemd/systemd slipway.timeout=5 console=ttyS0")
    }

    @Test func slotFilesNameEveryESPPath() {
        let files = LoaderEntries.slotFiles(
            slot: .a, title: "t", version: "1", kernel: [1], initrd: [2], commandLine: .forSlot(.a), triesLeft: 2)
        #expect(files.map(\.path) == ["slipway-a/vmlinuz", "slipway-a/initrd.img", "loader/entries/slipway-a+2.conf"])
        #expect(files[0].contents == [1] && files[1].contents == [2])
    }
}
