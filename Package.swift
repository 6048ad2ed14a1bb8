// swift-tools-version: 6.0
// slipway: build container-optimized Linux disk images from declarative profiles.
// The module map and the direction of every dependency are described in docs/architecture.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "slipway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "slipway", targets: ["slipway"]),
        .executable(name: "slipway-initrd", targets: ["slipway-initrd"]),
        .executable(name: "slipway-update", targets: ["slipway-update"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // C libraries, each behind a module map and one shim header.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CExt2fs", pkgConfig: "ext2fs", providers: [.apt(["libext2fs-dev"])]),
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // zlib's deflate, for the VMDK grains and the gzip'd tar of the cloud disk formats.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Linux system calls without a Glibc wrapper Swift can call (finit_module), for slipway-initrd.
        .systemLibrary(name: "CLinux"),

        // Leaf: SHA-2 digests without Foundation, so the in-image executable stays small.
        // Always optimized: debug builds would otherwise hash packages at a few MB/s.
        .target(name: "Hashing", swiftSettings: strict + [.unsafeFlags(["-O"])]),
        // SHA-256 of large files through libcrypto (the CPU's SHA extensions), for the image builder.
        .target(name: "FileHashing", dependencies: ["COpenSSL", "Hashing"], swiftSettings: strict),
        // dm-verity hash trees of root slot images (own SHA-256 through libcrypto, no Foundation).
        // Always optimized: it hashes every block of a root image.
        .target(name: "Verity", dependencies: ["COpenSSL"], swiftSettings: strict + [.unsafeFlags(["-O"])]),
        // Double-quoted strings for messages, JSON and YAML (no Foundation: the initrd uses it too).
        .target(name: "Quoting", swiftSettings: strict),
        // The temporaries a build writes beside its outputs: their names, and removing them when the
        // build is interrupted (no Foundation: Archive registers its partial files).
        .target(name: "TemporaryFiles", swiftSettings: strict),
        .target(name: "Archive", dependencies: ["CArchive", "CLzma", "TemporaryFiles"], swiftSettings: strict),
        .target(
            name: "Rootfs", dependencies: ["Archive", "Hashing", "Quoting", "TemporaryFiles"], swiftSettings: strict),
        .target(
            name: "Packages", dependencies: ["Rootfs", "Archive", "Hashing", "FileHashing", "TemporaryFiles"],
            swiftSettings: strict),
        .target(name: "Ext4", dependencies: ["CExt2fs", "Rootfs", "Hashing"], swiftSettings: strict),
        // The GPT format without Foundation: the image builder and the initrd (growing STATE) share it.
        .target(name: "PartitionTable", dependencies: ["Hashing"], swiftSettings: strict),
        // Loader entry names and boot counting, as systemd-boot reads them (no Foundation: the
        // in-image update tool uses it too).
        .target(name: "BootSlots", swiftSettings: strict),
        .target(
            name: "Disk", dependencies: ["PartitionTable", "Hashing", "BootSlots", "TemporaryFiles", "CZlib"],
            swiftSettings: strict),
        .target(name: "Boot", dependencies: ["Archive", "Rootfs", "BootSlots"], swiftSettings: strict),
        // A verified TLS client over OpenSSL, without Foundation: https:// for first boot.
        .target(name: "TLS", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "FirstBoot", dependencies: ["Hashing", "Quoting", "TLS", "BootSlots"], swiftSettings: strict),
        // The expansion limit for YAML aliases that profiles and Butane share.
        .target(name: "YAMLLimits", dependencies: ["Yams"], swiftSettings: strict),
        .target(
            name: "Profile", dependencies: ["Yams", "YAMLLimits", "Hashing", "Quoting", "BootSlots"],
            swiftSettings: strict),
        // Butane-style YAML → Ignition JSON for `slipway firstboot render` (YAML stays out of the image).
        .target(name: "Butane", dependencies: ["FirstBoot", "Yams", "YAMLLimits"], swiftSettings: strict),
        .target(name: "Runner", swiftSettings: strict),
        .target(name: "Inspect", dependencies: ["CBlkid", "Disk", "BootSlots", "Quoting"], swiftSettings: strict),
        // Update payloads (format, verification, zstd) and applying one to a disk's inactive slot,
        // without Foundation: `slipway update apply` and the in-image `slipway-update` share it.
        .target(
            name: "Update",
            dependencies: ["BootSlots", "PartitionTable", "COpenSSL", "CZstd", "CLinux", "FirstBoot"],
            swiftSettings: strict + [.unsafeFlags(["-O"])]),
        // Update signing keys: generation and signing with swift-crypto, PEM files.
        .target(
            name: "UpdateKeys", dependencies: ["Update", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Applying a payload to an image file: the ESP through mtools, the trusted keys from the root.
        .target(name: "OfflineUpdate", dependencies: ["Update", "Disk", "Ext4", "BootSlots"], swiftSettings: strict),
        // The build cache shared through an OCI registry (`build --cache-registry`): a distribution
        // API client over URLSession, and the entries it pulls and pushes.
        .target(
            name: "RegistryCache", dependencies: ["Packages", "Rootfs", "Hashing", "FileHashing"],
            swiftSettings: strict),
        .target(
            name: "Build",
            dependencies: [
                "Profile", "Rootfs", "Archive", "Packages", "Ext4", "Disk", "Boot", "Hashing", "FileHashing",
                "FirstBoot", "Butane", "Update", "UpdateKeys", "TemporaryFiles", "BootSlots", "RegistryCache", "Verity",
            ],
            swiftSettings: strict),
        .target(
            name: "Commands",
            dependencies: [
                "Build", "Profile", "FirstBoot", "Butane", "Runner", "Inspect", "Update", "UpdateKeys",
                "OfflineUpdate", "Quoting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "slipway",
            dependencies: ["Commands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        // Runs inside the image as the initrd's /init; the Swift runtime is linked in statically.
        .executableTarget(
            name: "slipway-initrd", dependencies: ["FirstBoot", "PartitionTable", "TLS", "CLinux", "BootSlots"],
            swiftSettings: strict,
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"]),
                // Debug information is a third of the binary and is of no use in an initramfs.
                .unsafeFlags(["-Xlinker", "--strip-all"], .when(configuration: .release)),
            ]),

        // Installed into every root: applies updates on the host, blesses and rolls back slots.
        .executableTarget(
            name: "slipway-update", dependencies: ["Update", "BootSlots", "FirstBoot", "TLS", "CLinux"],
            swiftSettings: strict,
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"]),
                // The libraries a root lacks go to /usr/lib/slipway/lib (Boot's RootTool). An RPATH,
                // unlike a RUNPATH, is searched for the libraries' own dependencies too.
                .unsafeFlags(["-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath=/usr/lib/slipway/lib"]),
                .unsafeFlags(["-Xlinker", "--strip-all"], .when(configuration: .release)),
            ]),

        .testTarget(name: "HashingTests", dependencies: ["Hashing", "FileHashing", "TestSupport"]),
        .testTarget(name: "QuotingTests", dependencies: ["Quoting"]),
        // Against veritysetup (cryptsetup-bin) as the independent reader.
        .testTarget(name: "VerityTests", dependencies: ["Verity", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "TestSupport"]),
        .testTarget(name: "RootfsTests", dependencies: ["Rootfs", "Archive", "TestSupport"]),
        .testTarget(name: "PackagesTests", dependencies: ["Packages", "Rootfs", "TestSupport"]),
        .testTarget(name: "Ext4Tests", dependencies: ["Ext4", "Rootfs", "Hashing", "TestSupport"]),
        .testTarget(name: "DiskTests", dependencies: ["Disk", "BootSlots", "Inspect", "TestSupport"]),
        .testTarget(
            name: "UpdateTests",
            dependencies: ["Update", "UpdateKeys", "OfflineUpdate", "BootSlots", "Disk", "TestSupport"]),
        .testTarget(name: "BootTests", dependencies: ["Boot", "Disk", "Rootfs", "Archive", "TestSupport"]),
        .testTarget(
            name: "FirstBootTests", dependencies: ["FirstBoot", "TLS", "Butane", "TestSupport"], exclude: ["Corpus"]),
        .testTarget(name: "ProfileTests", dependencies: ["Profile", "TestSupport"]),
        .testTarget(
            name: "BuildTests",
            dependencies: [
                "Build", "Commands", "Profile", "Rootfs", "Archive", "Packages", "TemporaryFiles", "TestSupport",
            ]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "TestSupport"]),
        // Against a real registry (Debian's docker-registry) on loopback.
        .testTarget(name: "RegistryCacheTests", dependencies: ["RegistryCache", "Packages", "TestSupport"]),
        // The command line as users meet it: messages, exit statuses, --json, --quiet, --help.
        .testTarget(name: "CommandTests", dependencies: ["Commands", "Profile", "TestSupport"]),
        // Slow tier: real QEMU boots. `make test` runs it; `make test-fast` leaves it out.
        .testTarget(name: "SystemTests", dependencies: ["Build", "Boot", "Archive", "Runner", "TestSupport"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // What the fuzz targets check (`make fuzz`), and the tests that replay every kept input.
        .target(
            name: "FuzzChecks", dependencies: ["Profile", "FirstBoot", "Butane", "Rootfs", "Archive", "PartitionTable"],
            path: "Fuzz/FuzzChecks", swiftSettings: strict),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzChecks", "TestSupport"]),
    ]
)

// libFuzzer targets for `make fuzz` (Fuzz/, seeds and kept inputs in Fuzz/Corpus), built only with
// SLIPWAY_FUZZ=1 and -sanitize=fuzzer, which links in the libFuzzer driver that FuzzSupport calls.
// What they check is FuzzChecks, which the regression tests replay on every kept input.
if Context.environment["SLIPWAY_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: strict))
    for name in ["FuzzProfile", "FuzzIgnition", "FuzzButane", "FuzzTar", "FuzzImage", "FuzzGPT"] {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: ["FuzzChecks", "FuzzSupport"], path: "Fuzz/\(name)", swiftSettings: strict))
    }
}
