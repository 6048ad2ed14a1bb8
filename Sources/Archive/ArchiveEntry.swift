// An archive member's header, independent of libarchive so no C type leaves this module.

/// The type of an archive member.
public enum EntryType: Sendable, Hashable {
    case regular
    case directory
    case symlink
    /// A hard link to an earlier member; `ArchiveEntry.linkTarget` names that member's path.
    case hardlink
    case characterDevice
    case blockDevice
    case fifo
    case socket
}

/// One member's header as read from (or to be written to) an archive.
public struct ArchiveEntry: Sendable, Hashable {
    /// The member's name exactly as stored (it may be hostile: "..", absolute, very long).
    public var path: String
    public var type: EntryType
    /// Permission bits including setuid, setgid and sticky (mask 0o7777).
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    /// Seconds since the epoch.
    public var modificationTime: Int64
    /// Size of the member's data in bytes (0 for everything but regular files).
    public var size: Int64
    /// Symlink target, or for `.hardlink` the path of the member linked to.
    public var linkTarget: String?
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    /// Extended attributes (name → value), sorted by name.
    public var xattrs: [(name: String, value: [UInt8])] {
        get { xattrStorage.map { ($0.name, $0.value) } }
        set { xattrStorage = newValue.map { XattrPair(name: $0.name, value: $0.value) }.sorted { $0.name < $1.name } }
    }

    var xattrStorage: [XattrPair] = []

    public init(
        path: String, type: EntryType, permissions: UInt16 = 0o644, uid: UInt32 = 0, gid: UInt32 = 0,
        modificationTime: Int64 = 0, size: Int64 = 0, linkTarget: String? = nil,
        deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0
    ) {
        self.path = path
        self.type = type
        self.permissions = permissions & 0o7777
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
        self.size = size
        self.linkTarget = linkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
    }
}

struct XattrPair: Sendable, Hashable {
    var name: String
    var value: [UInt8]
}
