// The one error type of the Packages module.

/// A failure resolving, downloading, caching or reading a Debian package.
///
/// `package` names what failed (a package name, `name_version_arch`, or a .deb file), `operation`
/// what was being done ("resolve", "download", "verify", "read .deb"...), and `message` the cause,
/// with apt's own words where apt failed, and what to do next.
public struct PackagesError: Error, CustomStringConvertible, Sendable, Equatable {
    public var package: String
    public var operation: String
    public var message: String

    public init(package: String, operation: String, message: String) {
        self.package = package
        self.operation = operation
        self.message = message
    }

    public var description: String { "package \(package): \(operation): \(message)" }
}
