// Why a slot's version was abandoned, kept on STATE (/var/lib/slipway/update/slot-X.failed) so that
// the version the system fell back to can say what happened:
//
//   version 2.0.0
//   reason health gate: not ready after 300s of uptime: missing the user Docker daemon;
//
// The gate writes it when it fails; blessing the slot or installing into it removes it.
import Glibc

public struct FailureRecord: Sendable, Equatable {
    public static let directory = "/var/lib/slipway/update"

    public var version: String
    public var reason: String

    public init(version: String, reason: String) {
        self.version = version
        self.reason = reason
    }

    static func path(slot: String, in directory: String) -> String { directory + "/slot-\(slot).failed" }

    /// The record of `slot`, if there is one.
    public static func read(slot: String, in directory: String = FailureRecord.directory) -> FailureRecord? {
        guard let file = try? PosixFile(path: path(slot: slot, in: directory)),
            let bytes = try? file.read(at: 0, count: 64 << 10)
        else { return nil }
        var version: String?, reason: String?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("version ") { version = String(line.dropFirst(8)) }
            if line.hasPrefix("reason ") { reason = String(line.dropFirst(7)) }
        }
        guard let version, let reason else { return nil }
        return FailureRecord(version: version, reason: reason)
    }

    /// Writes the record of `slot` beside its final name and renames it into place.
    public func write(slot: String, in directory: String = FailureRecord.directory) throws(UpdateError) {
        var prefix = ""
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw UpdateError(prefix, "cannot create: \(PosixFile.reason())")
            }
        }
        let final = Self.path(slot: slot, in: directory)
        let file = try PosixFile(creating: final + ".new")
        let oneLine = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        try file.write(Array("version \(version)\nreason \(oneLine)\n".utf8), at: 0)
        try file.sync()
        guard rename(final + ".new", final) == 0 else {
            throw UpdateError(final, "cannot rename into place: \(PosixFile.reason())")
        }
    }

    /// Removes the record of `slot`.
    public static func clear(slot: String, in directory: String = FailureRecord.directory) {
        unlink(path(slot: slot, in: directory))
    }
}

extension SlotActions {
    /// Whether a reboot gives the boot loader something else to try after the booted slot failed:
    /// the booted entry's remaining tries (the loader took one when it started it), or another slot
    /// with a good or untried entry.
    public static func rebootHelps(booted: String, slots: DiskSlots) -> Bool {
        if let entry = slots.entry(booted), entry.fileName.state == .indeterminate { return true }
        guard let other = slots.entry(DiskSlots.other(booted)) else { return false }
        return other.fileName.state != .bad
    }
}
