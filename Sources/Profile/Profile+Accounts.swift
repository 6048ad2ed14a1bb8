// Users, groups and the containers of the system: the parts of the model that describe what runs.

extension Profile {
    /// An account (`users: NAME: {...}`).
    public struct User: Sendable {
        public var name: Located<String>
        /// `uid`: required, so that builds are reproducible.
        public var uid: Located<UInt32>
        /// `gid`: the primary group's id; required.
        public var gid: Located<UInt32>
        /// `groups`: supplementary groups by name.
        public var groups: [Located<String>]
        /// `home`: default `/home/NAME` (`/root` for root).
        public var home: Located<String>
        /// `shell`: default `/bin/sh`.
        public var shell: Located<String>
        /// `gecos`: the comment field.
        public var gecos: Located<String>?
        public var location: SourceLocation
    }

    /// A group (`groups: NAME: {gid: N}`).
    public struct Group: Sendable {
        public var name: Located<String>
        public var gid: Located<UInt32>
        public var location: SourceLocation
    }

    /// A container on the system Docker daemon (`system: NAME: {...}`).
    public struct SystemContainer: Sendable {
        public var name: Located<String>
        /// `image`: built by slipway or taken from an archive; loaded into the system daemon.
        public var image: Image
        /// `command`: replaces the image's command.
        public var command: [Located<String>]?
        /// `environment`: sorted by name.
        public var environment: [EnvironmentVariable]
        public var mounts: [Mount]
        /// `network`: default `host` (the system daemon runs without a bridge).
        public var network: Located<NetworkMode>
        /// `pid`: default `container`.
        public var pid: Located<PIDMode>
        /// `privileged`: default false.
        public var privileged: Located<Bool>
        /// `capabilities`: added capabilities, like `SYS_TIME`.
        public var capabilities: [Located<String>]
        /// `restart`: default `always`.
        public var restart: Located<RestartPolicy>
        /// `depends-on`: system containers started before this one.
        public var dependsOn: [Located<String>]
        public var location: SourceLocation
    }

    /// An image for one of the daemons: built from layers, or taken from an archive.
    public struct Image: Sendable {
        /// The reference the daemon knows it by (`hello`, `hello:1.0`). For a system container it is
        /// `slipway-system/NAME:latest`.
        public var reference: Located<String>
        public var source: ImageSource
        /// `entrypoint`, `cmd`, `env`, `working-dir`, `user`: the config of an image built from
        /// layers (an archive brings its own config).
        public var entrypoint: [Located<String>]?
        public var cmd: [Located<String>]?
        public var env: [EnvironmentVariable]
        public var workingDir: Located<String>?
        public var user: Located<String>?
        public var location: SourceLocation
    }

    /// Where an image comes from.
    public enum ImageSource: Sendable {
        /// `layers:` merged like the root's.
        case layers([Layer])
        /// `archive:` a `docker save` archive or OCI layout (directory or tar); `ref` picks one image
        /// when it holds several.
        case archive(Located<HostPath>, ref: Located<String>?)
    }

    /// `NAME: value` in an environment map.
    public struct EnvironmentVariable: Sendable, Equatable {
        public var name: Located<String>
        public var value: Located<String>
    }

    /// A mount of a system container: `{type, source, target, read-only}` or the short
    /// `source:target[:ro]` form.
    public struct Mount: Sendable {
        public var type: Located<MountType>
        /// A path in the host system for `bind`, a volume name for `volume`, nil for `tmpfs`.
        public var source: Located<String>?
        /// Absolute path inside the container.
        public var target: Located<String>
        public var readOnly: Located<Bool>
        public var location: SourceLocation
    }

    public enum MountType: String, Sendable, Hashable, CaseIterable {
        case bind, volume, tmpfs
    }

    public enum NetworkMode: String, Sendable, Hashable, CaseIterable {
        case host, none
    }

    public enum PIDMode: String, Sendable, Hashable, CaseIterable {
        case container, host
    }

    public enum RestartPolicy: String, Sendable, Hashable, CaseIterable {
        case no, always, unlessStopped = "unless-stopped", onFailure = "on-failure"
    }
}
