// apt's failures to resolve, reported at the profile entry that named the package: apt knows only
// package names, the profile knows where each was written.
import Packages
import Profile

enum PackageProblems {
    /// apt's failure to resolve at the entry of `names` it is about (`root.layers[1].packages[2]
    /// "no-such-pkg"`), or at the layer's `packages` key when it names none of them (packages that
    /// conflict). Other failures (an unwritable cache) are about no entry and pass unchanged.
    static func atEntry(_ error: PackagesError, names: [Located<String>], layer: Profile.Layer) -> any Error {
        guard error.operation == "resolve" else { return error }
        let key = layer.keyPath + ".packages"
        let wanted = packageName(error.package)
        if let index = names.firstIndex(where: { packageName($0.value) == wanted }) {
            let entry = names[index]
            return ProfileErrors([
                ProfileProblem(
                    location: entry.location, file: entry.location.file, keyPath: "\(key)[\(index)]",
                    value: entry.value, message: error.message)
            ])
        }
        return ProfileErrors([
            ProfileProblem(
                location: layer.location, file: layer.location.file, keyPath: key, value: nil,
                message: "\(error.package): \(error.message)")
        ])
    }

    /// `kernel.package`'s failure to resolve, at that key.
    static func atKernel(_ error: PackagesError, source: Located<Profile.KernelSource>, name: String) -> any Error {
        guard error.operation == "resolve" else { return error }
        return profileProblem(source, key: "kernel.package", shown: name, error.message)
    }

    /// The package a request names: `tini=0.19.0-1`, `tini:amd64` and `tini/bookworm` name `tini`.
    static func packageName(_ request: String) -> String {
        String(request.prefix { $0 != "=" && $0 != ":" && $0 != "/" })
    }
}
