import BootSlots
import Disk
import Testing

struct LoaderEntryTests {
    static let names:
        [(file: String, id: String, left: Int?, done: Int?, slot: String?, state: LoaderEntryName.State)] = [
            ("slipway-a+3.conf", "slipway-a", 3, nil, "a", .indeterminate),
            ("slipway-a+2-1.conf", "slipway-a", 2, 1, "a", .indeterminate),
            ("slipway-b+0-3.conf", "slipway-b", 0, 3, "b", .bad),
            ("slipway-b.conf", "slipway-b", nil, nil, "b", .good),
            ("debian-6.1+x.conf", "debian-6.1+x", nil, nil, nil, .good),
            ("rescue+1-.conf", "rescue+1-", nil, nil, nil, .good),
            ("slipway-.conf", "slipway-", nil, nil, nil, .good),
        ]

    @Test(arguments: names)
    func parsesBootCountingNames(
        file: String, id: String, left: Int?, done: Int?, slot: String?, state: LoaderEntryName.State
    ) throws {
        let name = try #require(LoaderEntryName(fileName: file))
        #expect(name.id == id)
        #expect(name.triesLeft == left)
        #expect(name.triesDone == done)
        #expect(name.slot == slot)
        #expect(name.state == state)
        #expect(name.fileName == file)
    }

    @Test(arguments: ["slipway-a+3", "+3.conf", ".conf", "loader.conf.bak"])
    func rejectsNonEntries(file: String) {
        #expect(LoaderEntryName(fileName: file) == nil)
    }

    @Test func parsesEntryLines() {
        let entry = LoaderEntry(
            parsing:
                "# generated\ntitle   Slipway 1.0 \nversion 1.0\n\nlinux /a/vmlinuz\ninitrd /a/ucode\ninitrd /a/initrd\n"
                + "options\troot=PARTLABEL=ROOT-A ro\n")
        #expect(entry.value("title") == "Slipway 1.0")
        #expect(entry.values("initrd") == ["/a/ucode", "/a/initrd"])
        #expect(entry.value("options") == "root=PARTLABEL=ROOT-A ro")
        #expect(entry.value("machine-id") == nil)
        #expect(entry.fields.count == 6)
    }
}
