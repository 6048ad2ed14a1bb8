import Foundation

/// The SPDX project's validator, the independent check of every SBOM the tests read.
public enum SPDXTools {
    /// `$SLIPWAY_PYSPDXTOOLS`, else the one `make deps` installs under .build-tools/spdx, else
    /// `pyspdxtools` on the PATH. Missing, it is an error that says how to install it: the SBOM
    /// tests fail rather than pass without their oracle.
    public static func pyspdxtools() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["SLIPWAY_PYSPDXTOOLS"], !given.isEmpty { return given }
        let installed = packageRoot().appendingPathComponent(".build-tools/spdx/bin/pyspdxtools").path
        if FileManager.default.isExecutableFile(atPath: installed) { return installed }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/pyspdxtools"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw FixtureError(
            "pyspdxtools (the SPDX validator) is not installed: run `make deps`, which puts spdx-tools in "
                + "\(installed), or `pip install spdx-tools`, or set SLIPWAY_PYSPDXTOOLS to its path")
    }

    /// `pyspdxtools -i FILE`: validates the document; status 0 and no output when it is valid.
    public static func validate(_ file: String) throws -> CommandResult {
        try runTool([try pyspdxtools(), "-i", file])
    }
}
