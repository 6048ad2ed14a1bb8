// The slot and version of a boot (slipway.slot=, slipway.version=, else the root partition's name),
// and how the initrd reports them: the console line and /run/slipway/booted.
import FirstBoot
import Testing

struct BootedSlotTests {
    @Test func readsSlotAndVersionFromTheCommandLine() throws {
        let booted = try BootedSlot(
            commandLine: "slipway.root=PARTLABEL=ROOT-B slipway.slot=b slipway.version=2.0.0 console=ttyS0")
        #expect(booted == BootedSlot(slot: "b", version: "2.0.0"))
        #expect(booted.consoleLine == "slipway: booting slot b, version 2.0.0")
        #expect(booted.fileText == "slot b\nversion 2.0.0\n")
    }

    @Test(arguments: [
        ("slipway.root=PARTLABEL=ROOT-A", BootedSlot()),
        ("slipway.slot=a slipway.slot=b slipway.version=1 slipway.version=2", BootedSlot(slot: "b", version: "2")),
        // An empty version is as if there were none; a quoted one is one word.
        ("slipway.slot=a slipway.version=", BootedSlot(slot: "a")),
        ("slipway.version=\"1.0 beta\" slipway.slotx=c", BootedSlot(version: "1.0 beta")),
    ])
    func parses(commandLine: String, expected: BootedSlot) throws {
        #expect(try BootedSlot(commandLine: commandLine) == expected)
    }

    @Test(arguments: ["c", "A", "", "ab", "a,b"])
    func rejectsAnotherSlot(value: String) {
        #expect(
            throws: FirstBootError(
                "read the kernel command line", "slipway.slot=\(value)",
                "expected a or b, the slot the boot entry starts; fix the entry's options line")
        ) {
            try BootedSlot(commandLine: "slipway.root=PARTLABEL=ROOT-A slipway.slot=\(value) quiet")
        }
    }

    @Test func takesTheSlotFromTheRootPartitionWhenTheCommandLineDoesNotSayIt() {
        let unnamed = BootedSlot(version: "1.0.0")
        #expect(unnamed.resolved(rootPartition: "ROOT-B") == BootedSlot(slot: "b", version: "1.0.0"))
        #expect(unnamed.resolved(rootPartition: "ROOT-A").consoleLine == "slipway: booting slot a, version 1.0.0")
        #expect(unnamed.resolved(rootPartition: "ROOT-C") == unnamed)
        #expect(unnamed.resolved(rootPartition: "STATE") == unnamed)
        #expect(unnamed.resolved(rootPartition: nil) == unnamed)
        // slipway.slot= wins over the partition's name.
        #expect(BootedSlot(slot: "a").resolved(rootPartition: "ROOT-B") == BootedSlot(slot: "a"))
    }

    @Test func saysUnknownForWhatNothingSays() {
        #expect(BootedSlot().consoleLine == "slipway: booting slot unknown, version unknown")
        #expect(BootedSlot().fileText == "slot unknown\nversion unknown\n")
        #expect(BootedSlot.path == "/run/slipway/booted")
    }
}
