// What every slipway root says about itself for updates, baked in by the builder:
//
//   /usr/lib/slipway/update/release        name NAME / architecture ARCH / version VERSION
//   /usr/lib/slipway/update/trusted.pem    the profile's update.keys, PEM blocks one after another
//
// Apply reads both from the running slot's root (offline: from the root filesystem in the image),
// so a payload is judged by the system it would replace.

/// The name, architecture and version of the system in a root slot.
public struct ReleaseInfo: Sendable, Equatable {
    public static let directory = "usr/lib/slipway/update"
    public static let releasePath = directory + "/release"
    public static let trustedKeysPath = directory + "/trusted.pem"

    public var name: String
    public var architecture: String
    public var version: String

    public init(name: String, architecture: String, version: String) {
        self.name = name
        self.architecture = architecture
        self.version = version
    }

    public var text: String { "name \(name)\narchitecture \(architecture)\nversion \(version)\n" }

    public init(parsing text: String, source: String) throws(UpdateError) {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let name = values["name"], let architecture = values["architecture"], let version = values["version"]
        else { throw UpdateError(source, "expected name, architecture and version lines") }
        self.init(name: name, architecture: architecture, version: version)
    }
}
