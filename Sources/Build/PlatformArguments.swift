// What the platform an image is built for (`firstboot.platform`, or `slipway build --platform`)
// adds to every boot entry's command line: its serial console, as Flatcar and Fedora CoreOS set it
// per cloud, and `slipway.platform=NAME`, which the initrd reads to pick the first-boot config source.
//
//   slipway.slot=a slipway.version=V  PLATFORM'S CONSOLE  kernel.cmdline  slipway.platform=NAME  ...
//
// The console comes before the profile's own arguments: an argument the profile repeats word for
// word is written once, so a profile that already says `console=ttyS0` builds the same qemu
// command line as before the platform supplied it.
import Profile

enum PlatformArguments {
    /// The console arguments of `platform`. QEMU's serial port is ttyS0; the clouds log the serial
    /// console at 115200 baud, Azure also early boot messages; bare metal ends on the screen.
    static func console(_ platform: Profile.Platform) -> [String] {
        switch platform {
        case .qemu, .auto: ["console=ttyS0"]
        case .aws, .gce: ["console=ttyS0,115200n8"]
        case .azure: ["console=ttyS0,115200n8", "earlyprintk=ttyS0"]
        case .digitalocean: ["console=ttyS0"]
        case .openstack: ["console=tty0", "console=ttyS0,115200n8"]
        case .metal: ["console=ttyS0,115200n8", "console=tty0"]
        }
    }

    /// `slipway.platform=NAME`, the initrd's choice of config source; `auto` leaves it to detection.
    static func platformArgument(_ platform: Profile.Platform) -> [String] {
        platform == .auto ? [] : ["slipway.platform=\(platform.rawValue)"]
    }

    /// The arguments after the root, state and init ones: the slot and version, the platform's
    /// console, the profile's `kernel.cmdline` without the words the console already has, the
    /// platform, and the fixed hash seed of the initrd's Swift code.
    static func extra(profile: Profile) -> [String] {
        let platform = profile.firstboot.platform.value
        let console = console(platform)
        let own = profile.kernel.cmdline.map(\.value).filter { !console.contains($0) }
        return ["slipway.slot=a", "slipway.version=\(profile.version.value)"] + console + own
            + platformArgument(platform) + ["SWIFT_DETERMINISTIC_HASHING=1"]
    }
}
