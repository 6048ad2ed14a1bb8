// The profile: everything a build needs to know about the system it makes, decoded from YAML,
// with `extends:` applied and every value validated. docs/profile.md documents each key; this file
// and the `Profile+*.swift` model files mirror that page section by section.

/// A resolved, validated profile. Make one with `Profile.load(path:)`.
///
/// Every value keeps the place in the YAML that set it (`Located`), so the build can point its own
/// errors (a package that does not exist, an overlay that does not fit) at the right line.
public struct Profile: Sendable {
    /// The profile file that was loaded, as it was named.
    public var file: String
    /// Every file that contributed, in the order they were merged: bases first, `file` last.
    public var files: [String]

    /// `name`: the image's name; output files are `NAME.img`, `NAME.rootfs.ext4`...
    public var name: Located<String>
    /// `description`: free text for humans.
    public var description: Located<String>?
    /// `version`: the version of the system this profile builds, recorded in the boot entries and the manifest.
    public var version: Located<String>
    /// `architecture`: the target architecture (Debian's name).
    public var architecture: Located<Architecture>
    /// `hostname`: the default host name (first-boot config can change it). Defaults to `name`.
    public var hostname: Located<String>
    /// `apt`: how Debian packages are fetched.
    public var apt: Apt
    /// `root`: the root filesystem's layers and image settings.
    public var root: Root
    /// `kernel`: which kernel, its command line and the modules that ship.
    public var kernel: Kernel
    /// `init`: the path of PID 1 inside the root.
    public var initPath: Located<String>
    /// `rescue-shell`: include busybox in the initrd and drop to a shell when early boot fails.
    public var rescueShell: Located<Bool>
    /// `disk`: the partition sizes and output format.
    public var disk: DiskLayout
    /// `users`: accounts written into /etc/passwd and /etc/shadow, sorted by name.
    public var users: [User]
    /// `groups`: groups written into /etc/group, sorted by name.
    public var groups: [Group]
    /// `services`: systemd units to enable and to mask.
    public var services: Services
    /// `system`: containers on the system Docker daemon, sorted by name.
    public var system: [SystemContainer]
    /// `images`: images preloaded into the user Docker daemon, sorted by reference.
    public var images: [Image]
    /// `firstboot`: the first-boot configuration defaults.
    public var firstboot: Firstboot
    /// `health`: what must be up before the system prints `slipway: ready` and blesses its boot slot.
    public var health: Health
    /// `update`: the keys that sign update payloads and the boot tries of a freshly installed slot;
    /// nil when the profile has no `update:` section.
    public var update: Update?
    /// The start of the loaded file.
    public var location: SourceLocation
}

extension Profile {
    /// A target architecture. Only amd64 is built today; the key exists so profiles say it.
    public enum Architecture: String, Sendable, Hashable, CaseIterable {
        case amd64
    }

    /// Settings for fetching Debian packages (`apt:`).
    public struct Apt: Sendable {
        /// `refresh`: update the package lists in the private apt state before resolving. Without it,
        /// lists already in the cache are used (and fetched only when there are none).
        public var refresh: Located<Bool>
        /// `host-sources`: use the build host's /etc/apt/sources.list and sources.list.d, and trust its keys.
        public var hostSources: Located<Bool>
        /// `sources`: one-line sources (`deb [signed-by=...] URI SUITE COMPONENTS`), read together with the
        /// host's, or alone when `host-sources` is false.
        public var sources: [Located<String>]
        /// `keyrings`: keyring files trusted for every source that names no `signed-by` key.
        public var keyrings: [Located<HostPath>]
        /// `install-recommends`: also install Recommends: of every package.
        public var installRecommends: Located<Bool>
        public var location: SourceLocation
    }

    /// The first-boot processor's defaults (`firstboot:`).
    public struct Firstboot: Sendable {
        /// `platform`: the platform the image is built for (`slipway build --platform` overrides it): it
        /// picks the first-boot config source and the console arguments on the kernel command line.
        public var platform: Located<Platform>
        /// `config`: the default config embedded in the image, used when no other source has one.
        public var config: Located<HostPath>?
        public var location: SourceLocation

        /// The format of `config`, from its file name: `.ign`/`.json` is Ignition JSON,
        /// `.bu`/`.yaml`/`.yml` is Butane-style YAML that is rendered to Ignition at build time.
        public var configFormat: ConfigFormat? {
            guard let path = config?.value.written.lowercased() else { return nil }
            return path.hasSuffix(".ign") || path.hasSuffix(".json") ? .ignition : .butane
        }
    }

    /// The first-boot config formats a profile can embed.
    public enum ConfigFormat: String, Sendable, Hashable {
        case ignition, butane
    }

    /// The platform an image is built for, as Flatcar and Fedora CoreOS ship one image per platform.
    /// `auto` writes no platform: the image detects it at boot from DMI data.
    public enum Platform: String, Sendable, Hashable, CaseIterable {
        case qemu, aws, gce, azure, openstack, digitalocean, metal, auto

        /// The platform of a profile that names none.
        public static let standard = Platform.qemu
    }

    /// The health gate (`health:`): the boot counts as good once all of these are up.
    public struct Health: Sendable {
        /// `timeout`: seconds to wait; after that the boot fails and the slot is not blessed.
        public var timeoutSeconds: Located<Int>
        /// `units`: systemd units that must be active.
        public var units: [Located<String>]
        /// `daemons`: Docker daemons that must answer.
        public var daemons: [Located<Daemon>]
        /// `containers`: system containers (names from `system:`) that must be running.
        public var containers: [Located<String>]
        public var location: SourceLocation
    }

    /// The two Docker daemons of a docker host.
    public enum Daemon: String, Sendable, Hashable, CaseIterable {
        case system, user
    }

    /// Updates the image accepts (`update:`).
    public struct Update: Sendable {
        /// The default of `tries`.
        public static let defaultTries = 3
        /// The values `tries` may take.
        public static let allowedTries = 1...10

        /// `keys`: ed25519 public keys (PEM `PUBLIC KEY` files on the build host) that update payloads
        /// must be signed with; at least one, each file once. The builder reads `absolute` and parses them.
        public var keys: [Located<HostPath>]
        /// `tries`: how many boots a freshly installed slot gets before the loader falls back; 1 to 10.
        public var tries: Located<Int>
        public var location: SourceLocation
    }

    /// systemd units the builder enables or masks (`services:`), as symlinks, since no package
    /// maintainer script runs at build time.
    public struct Services: Sendable {
        /// `enable`: units enabled through their [Install] section.
        public var enable: [Located<String>]
        /// `mask`: units linked to /dev/null.
        public var mask: [Located<String>]
        public var location: SourceLocation
    }
}
