// Applying `kernelArguments` to a command line and to a slot's loader entry: what the first boot
// writes to the ESP before it reboots.
import FirstBoot
import Foundation
import Testing

struct KernelArgumentsEditTests {
    static func arguments(_ shouldExist: [String], _ shouldNotExist: [String]) -> KernelArguments {
        var arguments = KernelArguments()
        arguments.shouldExist = shouldExist
        arguments.shouldNotExist = shouldNotExist
        return arguments
    }

    static let line = "slipway.root=PARTLABEL=ROOT-A console=ttyS0 panic=-1 quiet"

    @Test(arguments: [
        // Appended when missing, in order; a present one is left where it is.
        (["a=1", "quiet", "b"], [], line + " a=1 b", ["a=1", "b"], []),
        // Every occurrence goes; an absent one is no error.
        ([], ["quiet", "debug"], "slipway.root=PARTLABEL=ROOT-A console=ttyS0 panic=-1", [], ["quiet"]),
        // Whole words only: "panic" is not "panic=-1", "console=ttyS" is not "console=ttyS0".
        (["panic"], ["console=ttyS", "panic=-"], line + " panic", ["panic"], []),
        // Already satisfied: the line is returned untouched.
        (["quiet", "console=ttyS0"], ["debug"], line, [], []),
        // Both at once; an empty entry asks for nothing.
        (
            ["slipway.test.karg=hello", ""], ["panic=-1", " "],
            "slipway.root=PARTLABEL=ROOT-A console=ttyS0 quiet "
                + "slipway.test.karg=hello", ["slipway.test.karg=hello"], ["panic=-1"]
        ),
        // A several-word entry matches only where its words stand together.
        (
            ["console=ttyS0 panic=-1"], ["panic=-1 quiet"], "slipway.root=PARTLABEL=ROOT-A console=ttyS0", [],
            ["panic=-1 quiet"]
        ),
        (["quiet console=ttyS0"], [], line + " quiet console=ttyS0", ["quiet console=ttyS0"], []),
    ])
    func editsACommandLine(
        shouldExist: [String], shouldNotExist: [String], expected: String, added: [String], removed: [String]
    ) {
        let edit = Self.arguments(shouldExist, shouldNotExist).edit(Self.line)
        #expect(edit.commandLine == expected)
        #expect(edit.added == added)
        #expect(edit.removed == removed)
        #expect(edit.changed == (!added.isEmpty || !removed.isEmpty))
    }

    @Test func comparesWordsAsTheKernelReadsThem() {
        let line = "a  dyndbg=\"file x.c +p\"\tb=\"1\"\r\nc"
        // Quotes do not matter for the comparison, and spaces inside them do not split.
        let satisfied = Self.arguments(["\"dyndbg=file x.c +p\"", "b=1", "c"], []).edit(line)
        #expect(!satisfied.changed)
        #expect(satisfied.commandLine == line)
        // The words kept are written back as they were, quotes included, one space apart.
        let edit = Self.arguments(["d"], ["b=1"]).edit(line)
        #expect(edit.commandLine == "a dyndbg=\"file x.c +p\" c d")
        #expect(edit.summary == "added [d] removed [b=1]")
        #expect(Self.arguments([], []).edit("").commandLine == "")
        #expect(Self.arguments(["x"], []).edit("").commandLine == "x")
    }

    @Test(arguments: [
        ("slipway-a.conf", "a", true), ("slipway-a+3.conf", "a", true), ("slipway-a+2-1.conf", "a", true),
        ("slipway-a+0-3.conf", "a", true), ("slipway-b+3.conf", "a", false), ("slipway-ab.conf", "a", false),
        ("slipway-a.conf.new", "a", false), ("slipway-a+.conf", "a", false), ("slipway-a+1-.conf", "a", false),
        ("slipway-a+x.conf", "a", false), ("slipway-a+1-2-3.conf", "a", false), ("other-a.conf", "a", false),
        ("slipway-b+1-2.conf", "b", true),
    ])
    func findsTheSlotsEntryWhateverItsCounter(name: String, slot: String, matches: Bool) {
        #expect(SlotLoaderEntry.isEntry(name, ofSlot: slot) == matches)
    }

    @Test func namesTheSlotOfARootPartition() {
        #expect(SlotLoaderEntry.slot(ofRootPartition: "ROOT-A") == "a")
        #expect(SlotLoaderEntry.slot(ofRootPartition: "ROOT-B") == "b")
        #expect(SlotLoaderEntry.slot(ofRootPartition: "ROOT-") == nil)
        #expect(SlotLoaderEntry.slot(ofRootPartition: "STATE") == nil)
        #expect(SlotLoaderEntry.slot(ofRootPartition: "ROOT-A/../x") == nil)
    }

    @Test func rewritesTheOptionsLineAndKeepsTheRest() {
        let entry = """
            title Minimal 0.1.0 (slot A)
            # a comment stays
            version 0.1.0
            linux /slipway-a/vmlinuz
            initrd /slipway-a/initrd.img
            options slipway.root=PARTLABEL=ROOT-A console=ttyS0 panic=-1

            """
        #expect(SlotLoaderEntry.options(of: entry) == "slipway.root=PARTLABEL=ROOT-A console=ttyS0 panic=-1")
        let edit = Self.arguments(["slipway.test.karg=hello"], ["panic=-1"]).edit(SlotLoaderEntry.options(of: entry))
        #expect(
            SlotLoaderEntry.replacingOptions(in: entry, with: edit.commandLine)
                == entry.replacingOccurrences(
                    of: "console=ttyS0 panic=-1", with: "console=ttyS0 slipway.test.karg=hello"))
    }

    @Test func joinsSeveralOptionsLinesIntoTheFirst() {
        let entry = "title x\r\noptions a b\r\nlinux /k\r\n  options\tc \r\noptionsx y\r\noptions"
        #expect(SlotLoaderEntry.options(of: entry) == "a b c")
        #expect(
            SlotLoaderEntry.replacingOptions(in: entry, with: "a c")
                == "title x\r\noptions a c\r\nlinux /k\r\noptionsx y\r\n")
        #expect(SlotLoaderEntry.replacingOptions(in: "title x", with: "q") == "title x\noptions q\n")
        #expect(SlotLoaderEntry.replacingOptions(in: "", with: "q") == "options q\n")
    }
}
