// slipway-update: updates and slot state on a running slipway host.
//
//   slipway-update apply FILE|URL [--allow-downgrade]   install a signed payload into the inactive slot
//   slipway-update status [--json]                  the booted slot, both slots' versions and entries
//   slipway-update mark-good                        bless the booted slot (the health gate calls it)
//   slipway-update rollback                         boot the other slot's version next
//
// It shares the apply code with `slipway update apply IMAGE PAYLOAD`; only the disk (the booted
// slot's block device) and the ESP (mounted) differ.
import BootSlots
import Glibc
import Update

let usage = """
    usage: slipway-update COMMAND
      apply FILE|URL [--allow-downgrade]
                                      verify a signed update payload (a file, or http:// or https://,
                                      downloaded to STATE first) and install it into the inactive slot;
                                      it boots on the next reboot, with boot counting
      status [--json]                 the booted slot and both slots' versions and boot-entry states
      mark-good                       mark the booted slot good (called once the health check passed)
      mark-failed REASON              record why the booted slot is not healthy; exits 0 when a reboot
                                      lets the boot loader try again or fall back, 1 when nothing is left
      rollback                        make the other slot's version boot next (reboot to start it)
    exit status: 0 done, 1 refused or failed (the message says why), 2 usage error
    """

func fail(_ message: String, status: Int32 = 1) -> Never {
    var text = "slipway-update: " + message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(status)
}

/// A line on standard output, written at once (progress must show while a long apply runs).
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

func run(_ arguments: [String]) throws(UpdateError) {
    guard let command = arguments.first else { fail(usage, status: 2) }
    let options = Array(arguments.dropFirst())
    switch command {
    case "apply":
        let files = options.filter { !$0.hasPrefix("--") }
        let flags = options.filter { $0.hasPrefix("--") }
        guard files.count == 1, flags.allSatisfy({ $0 == "--allow-downgrade" }) else { fail(usage, status: 2) }
        try UpdateLock.holding { () throws(UpdateError) in
            let host = try HostSystem.detect()
            let (release, keys) = try host.release()
            let progress = { (line: String) in say("slipway-update: " + line) }
            let downloaded = Download.isURL(files[0])
            let path = downloaded ? try Download.fetch(files[0], progress: progress) : files[0]
            let disk = try PosixFile(path: host.diskPath, writable: true)
            let applied = try host.withESP { esp throws(UpdateError) in
                var applier = UpdateApplier(
                    disk: disk, esp: esp, runningSlot: host.bootedSlot, release: release, trustedKeys: keys)
                applier.allowDowngrade = flags.contains("--allow-downgrade")
                applier.progress = progress
                return try applier.apply(payloadPath: path)
            }
            SlotRecord.clear(slot: applied.slot)
            if downloaded { unlink(path) }
            say(
                "slipway-update: installed version \(applied.version) in slot \(applied.slot) "
                    + "(\(applied.entryFile)); reboot to start it")
        }
    case "status":
        guard options.allSatisfy({ $0 == "--json" }) else { fail(usage, status: 2) }
        let host = try HostSystem.detect()
        let report = try host.withSlots { _, slots throws(UpdateError) in SlotReport(host: host, slots: slots) }
        say(options.contains("--json") ? report.json : report.text)
    case "mark-good":
        guard options.isEmpty else { fail(usage, status: 2) }
        let host = try HostSystem.detect()
        let renamed = try host.withSlots { esp, slots throws(UpdateError) in
            try SlotActions.markGood(host.bootedSlot, esp: esp, slots: slots)
        }
        SlotRecord.clear(slot: host.bootedSlot)
        say(
            "slipway: slot \(host.bootedSlot) version \(host.bootedVersion) is good"
                + (renamed.map { " (entry \($0))" } ?? " (already marked)"))
    case "mark-failed":
        guard options.count == 1 else { fail(usage, status: 2) }
        let host = try HostSystem.detect()
        try SlotRecord(version: host.bootedVersion, reason: options[0]).write(slot: host.bootedSlot, kind: .failed)
        let helps = try host.withSlots { _, slots throws(UpdateError) in
            SlotActions.rebootHelps(booted: host.bootedSlot, slots: slots)
        }
        say(
            "slipway: slot \(host.bootedSlot) version \(host.bootedVersion) failed: \(options[0]); "
                + (helps ? "a reboot lets the boot loader try again or fall back" : "no other slot or try is left"))
        exit(helps ? 0 : 1)
    case "rollback":
        guard options.isEmpty else { fail(usage, status: 2) }
        try UpdateLock.holding { () throws(UpdateError) in
            let host = try HostSystem.detect()
            let entry = try host.withSlots { esp, slots throws(UpdateError) in
                try SlotActions.rollback(running: host.bootedSlot, tries: 3, esp: esp, slots: slots)
            }
            say(
                "slipway-update: slot \(entry.slot) (version \(entry.osVersion ?? "unknown")) boots next "
                    + "(\(entry.fileName.fileName)); reboot to start it")
        }
    case "--help", "-h", "help":
        say(usage)
    default:
        fail("unknown command \(command)\n" + usage, status: 2)
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description)
}
