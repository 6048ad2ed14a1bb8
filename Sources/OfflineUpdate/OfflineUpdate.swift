// `slipway update apply IMAGE PAYLOAD`: the host's apply (the Update module's UpdateApplier) run
// against an image file. The ESP is reached with mtools, and the slot that would boot next stands
// for the running one: its root filesystem, read with libext2fs, gives the release and the trusted
// keys the payload is judged by.
import BootSlots
import Disk
import Ext4
public import Update

public enum OfflineUpdate {
    /// Applies `payload` to the image file `image`; returns what was installed.
    public static func apply(
        image: String, payload: String, allowDowngrade: Bool, progress: @escaping (String) -> Void
    ) throws(UpdateError) -> UpdateApplier.Applied {
        let disk = try PosixFile(path: image, writable: true)
        guard disk.isRegularFile else {
            throw UpdateError(image, "not an image file; on a running host use slipway-update apply")
        }
        let (esp, running, release, keys) = try describe(image: image, disk: disk)
        var applier = UpdateApplier(disk: disk, esp: esp, runningSlot: running, release: release, trustedKeys: keys)
        applier.allowDowngrade = allowDowngrade
        applier.progress = progress
        return try applier.apply(payloadPath: payload)
    }

    /// The image's ESP, the slot that boots next, and that slot's release and trusted keys.
    static func describe(image: String, disk: PosixFile) throws(UpdateError)
        -> (MtoolsESP, String, ReleaseInfo, [UpdatePublicKey])
    {
        let table = try DiskSlots.partitionTable(of: disk)
        guard let espPartition = table.partition(named: "ESP") else {
            throw UpdateError(image, "has no partition named ESP: not a slipway image")
        }
        let esp = MtoolsESP(image: image, offset: espPartition.offset)
        let slots = try DiskSlots.read(table: table, esp: esp)
        guard let next = slots.nextBoot else {
            throw UpdateError(image, "the ESP has no slot entry (loader/entries/slipway-a*.conf): nothing boots")
        }
        let root = try slots.partition(next.slot)
        func file(_ path: String) throws(UpdateError) -> String {
            let bytes: [UInt8]?
            do {
                bytes = try Ext4FileReader.read(image: image, offset: root.offset, path: "/" + path)
            } catch {
                throw UpdateError("\(image) (\(root.name))", "cannot read /\(path): \(error)")
            }
            guard let bytes else {
                throw UpdateError(
                    "\(image) (\(root.name))",
                    "has no /\(path): the image was built without update support (set update.keys in the profile)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let source = "\(image) (\(root.name)) /"
        let release = try ReleaseInfo(
            parsing: try file(ReleaseInfo.releasePath), source: source + ReleaseInfo.releasePath)
        let keys = try UpdatePublicKey.parseAll(
            pem: try file(ReleaseInfo.trustedKeysPath), source: source + ReleaseInfo.trustedKeysPath)
        return (esp, next.slot, release, keys)
    }
}

/// The ESP of an image file, through mtools.
struct MtoolsESP: ESPVolume {
    let image: String
    let offset: UInt64

    private func run<T>(_ what: String, _ path: String, _ body: () throws -> T) throws(UpdateError) -> T {
        do { return try body() } catch { throw UpdateError("\(image) ESP /\(path)", "cannot \(what): \(error)") }
    }

    func list(_ directory: String) throws(UpdateError) -> [String] {
        try run("list", directory) { try ESPReader.list(image: image, offset: offset, directory: directory) ?? [] }
            .filter { !$0.hasSuffix("/") }
    }

    func read(_ path: String) throws(UpdateError) -> [UInt8] {
        try run("read", path) { try ESPReader.read(image: image, offset: offset, path: path) }
    }

    func write(_ path: String, _ bytes: [UInt8]) throws(UpdateError) {
        try run("write", path) { try ESPWriter.write(image: image, offset: offset, path: path, bytes: bytes) }
    }

    func rename(_ from: String, to: String) throws(UpdateError) {
        try run("rename to \(to)", from) { try ESPWriter.rename(image: image, offset: offset, from: from, to: to) }
    }

    func remove(_ path: String) throws(UpdateError) {
        try run("remove", path) { try ESPWriter.remove(image: image, offset: offset, path: path) }
    }

    func sync() throws(UpdateError) {}
}
