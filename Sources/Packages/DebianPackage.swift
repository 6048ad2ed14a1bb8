// Reading a .deb (deb(5)): an `ar` archive of "debian-binary" ("2.0\n"), "control.tar[.gz|.xz|.zst]"
// (the control file, maintainer scripts, conffiles, triggers) and "data.tar[.gz|.xz|.zst|.bz2|.lzma]"
// (the files to install). Members whose names start with "_" may follow and are ignored.
public import Archive

/// A .deb file's control information, and its data archive for the root filesystem merger.
public struct DebianPackage: Sendable {
    /// The maintainer scripts dpkg would run; the build runs none of them.
    public static let scriptNames = ["preinst", "postinst", "prerm", "postrm", "config"]

    /// The .deb file.
    public let path: String
    public let control: ControlFile
    public let name: String
    public let version: String
    public let architecture: String
    public let depends: [[PackageRelation]]
    public let preDepends: [[PackageRelation]]
    /// Virtual packages this one provides (Provides has no alternatives).
    public let provides: [PackageRelation]
    /// `Essential: yes`.
    public let isEssential: Bool
    /// Installed-Size in KiB, when the package states it.
    public let installedSize: Int64?
    /// The maintainer scripts present, in `scriptNames` order.
    public let maintainerScripts: [String]
    /// The `triggers` control file (e.g. "activate-noawait ldconfig"), when present.
    public let triggers: String?
    /// Paths listed in `conffiles`.
    public let conffiles: [String]
    /// The data member's name ("data.tar.xz").
    public let dataMember: String

    /// `NAME_VERSION_ARCH.deb`: how errors and archive labels name this package.
    public var label: String { "\(name)_\(version)_\(architecture).deb" }

    /// Reads the control information of the .deb at `path`.
    /// - Throws: `PackagesError` (operation "read .deb") naming the file, the member and the rule.
    public init(path: String) throws {
        self.path = path
        let members = try Self.readMembers(path: path, wantData: false)
        let control = try ControlFile(parsing: members.controlText, source: "control of \(path)")
        self.control = control
        let source = "control of \(path)"
        name = try control.required("Package", source: source)
        version = try control.required("Version", source: source)
        architecture = try control.required("Architecture", source: source)
        depends = try PackageRelation.parseList(control["Depends"] ?? "", field: "Depends", source: source)
        preDepends = try PackageRelation.parseList(control["Pre-Depends"] ?? "", field: "Pre-Depends", source: source)
        provides = try PackageRelation.parseList(control["Provides"] ?? "", field: "Provides", source: source)
            .flatMap { $0 }
        isEssential = control["Essential"]?.lowercased() == "yes"
        if let size = control["Installed-Size"] {
            guard let kibibytes = Int64(size), kibibytes >= 0 else {
                throw PackagesError(
                    package: path, operation: "parse control",
                    message: "Installed-Size \"\(size)\": expected a whole number of KiB")
            }
            installedSize = kibibytes
        } else {
            installedSize = nil
        }
        maintainerScripts = Self.scriptNames.filter(members.controlNames.contains)
        triggers = members.triggers
        conffiles = members.conffiles
        dataMember = members.dataName
    }

    /// Reads a fetched package and checks that its control file names the package apt resolved.
    public init(cached: CachedPackage) throws {
        try self.init(path: cached.path)
        let expected = cached.package
        guard name == expected.name, version == expected.version, architecture == expected.architecture else {
            throw PackagesError(
                package: expected.id, operation: "read .deb",
                message: "\(path) is \(label) according to its control file: the repository index and the "
                    + "file disagree; remove the file and fetch again")
        }
    }

    /// A fresh reader of the data archive (the files to install), labelled
    /// "data.tar.xz of NAME_VERSION_ARCH.deb" in its errors. Each call reads the member again.
    public func dataArchive() throws -> ArchiveReader {
        let members = try Self.readMembers(path: path, wantData: true)
        let label = "\(dataMember) of \(self.label)"
        do {
            return try ArchiveReader(bytes: members.data, label: label)
        } catch {
            throw PackagesError(package: self.label, operation: "read .deb", message: "\(error)")
        }
    }
}
