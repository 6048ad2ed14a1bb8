// The root command. Each subcommand lives in its own file; this file only lists them.
public import ArgumentParser

/// `slipway`: build, boot and configure container-optimized Linux disk images.
public struct Slipway: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "slipway",
        abstract:
            "Build container-optimized Linux disk images from profiles, boot them in QEMU, configure them on first boot.",
        discussion: """
            Typical use:
              slipway build profiles/docker-host.yaml          # out/docker-host.img and friends
              slipway run out/docker-host.img --config me.ign  # boot it, console on stdout
              slipway inspect out/docker-host.img              # partitions, slots, manifest
              slipway firstboot validate me.ign                # the checks the image runs at first boot
              slipway keys generate keys/                      # sign updates: build --signing-key keys/update.key
              slipway update apply out/minimal.img v2/minimal.update   # install v2 into slot B

            Exit codes: 0 success, 1 failure, 2 usage error; `run` passes on the guest's verdict.
            """,
        version: "0.1.0",
        subcommands: [
            BuildCommand.self, RunCommand.self, InspectCommand.self, UpdateCommand.self, KeysCommand.self,
            ProfileCommand.self, FirstbootCommand.self,
        ])

    public init() {}
}
