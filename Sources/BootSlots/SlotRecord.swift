// What STATE remembers about a slot's version between boots, in /state/.slipway/update (outside
// /var, which the first boot seeds from the image):
//
//   slot-b.started   the initrd switched root to this version's init (written on every boot)
//   slot-b.failed    why this version was abandoned: the initrd's error, or the health gate's
//
// Each holds "version V" and "reason R" lines. They let the version the machine fell back to say
// what happened to the one it left: an entry that ran out of tries with a .failed record failed
// for that reason; with only a .started record it reached init and never passed its health check;
// with neither, its kernel or initrd failed before the initrd could write anything.

public struct SlotRecord: Sendable, Equatable {
    /// Where the records live inside STATE.
    public static let directoryOnState = ".slipway/update"
    /// Where the records live on a booted system (the initrd mounts STATE on /state).
    public static let directory = "/state/" + directoryOnState

    public enum Kind: String, Sendable {
        case started, failed
    }

    public var version: String
    public var reason: String

    public init(version: String, reason: String) {
        self.version = version
        self.reason = reason
    }

    /// `slot-b.failed`
    public static func fileName(slot: String, kind: Kind) -> String { "slot-\(slot).\(kind.rawValue)" }

    /// The file's text; the reason is kept on one line.
    public var text: String {
        "version \(version)\nreason \(reason.split(whereSeparator: \.isNewline).joined(separator: " "))\n"
    }

    /// Parses a record's text; nil when a line is missing.
    public init?(parsing text: String) {
        var version: String?, reason: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("version ") { version = String(line.dropFirst(8)) }
            if line.hasPrefix("reason ") { reason = String(line.dropFirst(7)) }
        }
        guard let version, let reason else { return nil }
        self.init(version: version, reason: reason)
    }
}
