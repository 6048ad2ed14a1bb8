// What the profile alone shows about whether its root can boot: slipway's initrd mounts on the
// directories of `RootLayout.mountPoints` and runs `init:` after switching root. A profile that
// does not extend base.yaml easily has neither. From the profile alone this is known only when
// every layer is declared entry by entry (files, symlinks, directories): a package, an archive or
// an overlay directory may hold anything, and then the build checks the assembled tree instead.
import BootSlots

extension Profile {
    /// What the build adds to every root whatever the layers hold: /etc gets the hostname and the
    /// account files.
    static let generatedDirectories: Set<String> = ["/etc"]

    /// The init and mount points that no layer of this profile could provide, as problems at
    /// `init` and `root.layers`; empty when the layers could provide them or include a kind whose
    /// contents only the build sees.
    ///
    /// `Profile.load` does not report these: a base profile (base.yaml) is valid without an init,
    /// and `build --rootfs-only` makes a root for other uses. `profile validate` shows them as
    /// warnings, and a build of a bootable image stops on them before fetching anything.
    public func bootProblems() -> [ProfileProblem] {
        var declared: [String] = []
        var links: [String] = []
        for layer in root.layers {
            switch layer.source {
            case .files(let files): declared += files.map(\.path.value)
            case .directories(let directories): declared += directories.map(\.path.value)
            case .symlinks(let symlinks): links += symlinks.map(\.path.value)
            case .packages, .tar, .oci, .dockerArchive, .overlay: return []
            }
        }
        /// A path is provided by an entry at it or below it (parents are created), or may be by a
        /// link at it or above it (which could point anywhere).
        func couldExist(_ path: String) -> Bool {
            declared.contains { $0 == path || $0.hasPrefix(path + "/") }
                || links.contains { $0 == path || path.hasPrefix($0 + "/") || $0.hasPrefix(path + "/") }
        }
        var problems: [ProfileProblem] = []
        if !couldExist(initPath.value) {
            problems.append(
                ProfileProblem(
                    location: initPath.location, file: initPath.location.file, keyPath: "init", value: initPath.value,
                    message: Self.missingInitMessage(initPath.value, reason: "no layer provides it")))
        }
        let missing = RootLayout.mountPoints.filter { !Self.generatedDirectories.contains($0) && !couldExist($0) }
        if !missing.isEmpty {
            problems.append(
                ProfileProblem(
                    location: root.location, file: root.location.file, keyPath: "root.layers", value: nil,
                    message: Self.missingMountPointsMessage(missing, reason: "no layer provides")))
        }
        return problems
    }

    /// The message for an init the root lacks; `reason` says how it was found missing.
    public static func missingInitMessage(_ path: String, reason: String) -> String {
        "\(reason), and the initrd runs it after switching root, so the image cannot boot; add a layer "
            + "that installs it (a package such as systemd-sysv, or a link to busybox as profiles/minimal.yaml "
            + "has), or set init to the system's init"
    }

    /// The message for mount points the root lacks (`missing` in `RootLayout.mountPoints` order).
    public static func missingMountPointsMessage(_ missing: [String], reason: String) -> String {
        let list =
            missing.count == 1
            ? missing[0] : missing.dropLast().joined(separator: ", ") + " or " + missing[missing.count - 1]
        let example = missing.map { "{ path: \($0) }" }.joined(separator: ", ")
        return "\(reason) \(list), which the initrd mounts on to boot the image; extend profiles/base.yaml "
            + "(extends: base.yaml), which creates them, or add them: - directories: [\(example)]"
    }
}
