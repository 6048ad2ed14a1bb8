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
              slipway build profiles/docker-host.yaml          # out/docker-host.img...
              slipway run out/docker-host.img --config me.ign  # console on stdout
              slipway inspect out/docker-host.img              # partitions, slots
              slipway firstboot validate me.ign                # first-boot checks
              slipway keys generate keys/                      # update signing keys
              slipway update apply out/minimal.img v2/minimal.update

            Errors go to standard error, each line starting with slipway and the command \
            (slipway build: ...); commands with --json print failures as JSON on standard output too.

            Exit codes: 0 success, 1 failure, 2 usage error; run passes on the guest's verdict.
            """,
        version: "0.1.0",
        subcommands: [
            BuildCommand.self, RunCommand.self, InspectCommand.self, UpdateCommand.self, KeysCommand.self,
            ProfileCommand.self, FirstbootCommand.self,
        ])

    public init() {}
}
