// slipway-initrd: PID 1 of the initramfs. It mounts the API filesystems, loads the early-boot modules,
// finds and mounts the root slot and STATE named on the kernel command line, applies the first-boot
// config (once), and switches root to the system's init. Each step logs one line with the guest
// uptime; a failure prints why, reboots when the other slot can boot instead (SlotFallback), and
// otherwise stops in a rescue shell (or repeats the error) instead of panicking the kernel.
import BootSlots
import CLinux
import FirstBoot
import Glibc

func boot(_ context: inout BootContext) throws -> Never {
    for directory in ["/proc", "/sys", "/dev", "/run", RootSetup.sysroot] { try System.makeDirectory(directory) }
    let nodev = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
    try System.mount("proc", on: "/proc", type: "proc", flags: nodev, what: "mount /proc")
    try System.mount("sysfs", on: "/sys", type: "sysfs", flags: nodev, what: "mount /sys")
    try System.mount(
        "devtmpfs", on: "/dev", type: "devtmpfs", flags: UInt(MS_NOSUID), options: "mode=0755", what: "mount /dev")
    try System.mount(
        "tmpfs", on: "/run", type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV), options: "mode=0755", what: "mount /run")
    Console.log("mounted /proc /sys /dev /run")

    let commandLine = try System.readText("/proc/cmdline")
    let parameters = try BootParameters(commandLine: commandLine)
    context.booted = parameters.booted
    Console.log(
        "root \(parameters.root), state \(parameters.state), init \(parameters.initPath), timeout \(parameters.timeoutSeconds) s"
    )

    let modules = try ModuleLoader.loadListed()
    Console.log("loaded \(modules.count) modules\(modules.isEmpty ? "" : ": " + modules.joined(separator: " "))")

    Console.log("waiting for root \(parameters.root)")
    let root = try BlockDevices.waitFor(parameters.root, role: "root", timeout: parameters.timeoutSeconds)
    context.rootDisk = root.disk
    context.booted = context.booted.resolved(rootPartition: root.partitionName)
    var rootPath = root.devicePath
    if let verity = parameters.verity {
        rootPath = try VerityRoot.open(root, verity)
        Console.log("verity root \(root.devicePath) → \(rootPath), root hash \(verity.rootHash.prefix(12))…")
    }
    try RootSetup.mountRoot(rootPath, reference: parameters.root, initPath: parameters.initPath)
    Console.log("mounted root \(parameters.root) (\(rootPath)) read-only on \(RootSetup.sysroot)")

    let state = try BlockDevices.waitFor(parameters.state, role: "state", timeout: parameters.timeoutSeconds)
    let growth = StateGrowth.prepare(state)
    let firstBoot = try RootSetup.mountState(state, reference: parameters.state)
    context.stateMounted = true
    Console.log(
        "mounted state \(parameters.state) (\(state.devicePath)) on /state\(firstBoot ? ", first boot: created its layout" : "")"
    )
    if let line = growth?.growFilesystem(mountedOn: RootSetup.stateMount) { Console.log(line) }
    if firstBoot {
        let count = try RootSetup.seedVar()
        Console.log("first boot: copied \(count) entries of the image's /var to /state/var")
    }

    try RootSetup.mountWritableDirectories()
    Console.log("mounted /etc overlay and /var, /home from state")

    // The first-boot config: applied once, before the system starts. When it fails the system's
    // services must not start: systemd is asked for its emergency target, any other init is not run.
    var initArguments: [String] = []
    var outcome = FirstBootHook.Outcome.skipped
    do {
        outcome = try FirstBootHook.run(
            root: RootSetup.sysroot, rootDevice: root, commandLine: commandLine,
            timeoutSeconds: parameters.timeoutSeconds)
    } catch {
        Console.firstBootFailed(error)
        if firstBoot { try RootSetup.markInitialized() }
        guard SwitchRoot.isSystemd(root: RootSetup.sysroot, initPath: parameters.initPath) else {
            Rescue.stop(repeating: { Console.line("slipway-initrd: first boot failed: \(error.summary)") })
        }
        Console.log("first boot failed: starting the system in emergency.target, its services stay stopped")
        initArguments = ["--unit=emergency.target"]
    }
    if firstBoot { try RootSetup.markInitialized() }
    // New kernel arguments are in the boot entry; the next boot starts with them.
    if outcome == .reboot { try Reboot.now() }

    let booted = context.booted
    if let slot = booted.slot {
        SlotRecords.write(
            SlotRecord(version: booted.version ?? "unknown", reason: "switched root to \(parameters.initPath)"),
            slot: slot, kind: .started, stateMount: RootSetup.stateMount)
    }
    // For programs of the booted system (slipway-update): which slot and version this is. /run moves
    // into the new root below, the file with it.
    try System.makeDirectory("/run/slipway", mode: 0o755)
    try System.writeFile(BootedSlot.path, booted.fileText, mode: 0o644)
    Console.line(booted.consoleLine)
    try SwitchRoot.moveAPIFilesystems(into: RootSetup.sysroot)
    try SwitchRoot.switchRoot(to: RootSetup.sysroot, initPath: parameters.initPath, arguments: initArguments)
}

var context = BootContext()
do {
    try boot(&context)
} catch {
    let message = (error as? InitrdError)?.message ?? "\(error)"
    Console.error(message)
    SlotFallback.rebootIfAnotherSlotCanBoot(context, reason: message)
    Rescue.stop(repeating: { Console.error(message) })
}
