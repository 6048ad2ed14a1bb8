// The slipway.* parameters of the kernel command line (written by the Boot module's KernelCommandLine):
//
//   slipway.root=PARTLABEL=ROOT-A | PARTUUID=<guid>   the read-only root slot (required)
//   slipway.state=PARTLABEL=STATE | PARTUUID=<guid>   the writable state partition (required)
//   slipway.init=/sbin/init                           what to run after switching root
//   slipway.timeout=30                                seconds to wait for the partitions
//   slipway.slot=a | b                                the slot this entry boots (else from ROOT-A/B)
//   slipway.version=2.0.0                             the OS version it boots, for the console and
//                                                     /run/slipway/booted (FirstBoot's BootedSlot)
//   slipway.verity=ROOTHASH slipway.verity.salt=SALT  the root slot is mounted through dm-verity
//   slipway.verity.data-blocks=N                      (VerityRoot)

import FirstBoot

/// A partition named on the command line.
enum PartitionReference: CustomStringConvertible {
    case label(String)
    case uuid(String)

    var description: String {
        switch self {
        case .label(let name): "PARTLABEL=\(name)"
        case .uuid(let uuid): "PARTUUID=\(uuid)"
        }
    }
}

struct BootParameters {
    var root: PartitionReference
    var state: PartitionReference
    var initPath = "/sbin/init"
    var timeoutSeconds = 30
    /// slipway.verity*: mount the root through a verity device; nil without slipway.verity=.
    var verity: VerityParameters?
    /// slipway.slot= and slipway.version=; the caller fills in the slot from the root's name.
    var booted: BootedSlot

    /// Parses the kernel command line `text`.
    init(commandLine text: String) throws {
        var values: [String: String] = [:]
        for word in KernelCommandLine.words(text) {
            guard word.hasPrefix("slipway."), let equals = word.firstIndex(of: "=") else { continue }
            values[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        root = try BootParameters.partition(values["slipway.root"], key: "slipway.root")
        state = try BootParameters.partition(values["slipway.state"], key: "slipway.state")
        verity = try VerityParameters(values)
        if let initPath = values["slipway.init"] {
            guard initPath.hasPrefix("/"), !initPath.split(separator: "/").contains("..") else {
                throw InitrdError("slipway.init=\(initPath): expected an absolute path such as /sbin/init")
            }
            self.initPath = initPath
        }
        do {
            booted = try BootedSlot(commandLine: text)
        } catch {
            throw InitrdError("\(error.subject): \(error.message)")
        }
        if let timeout = values["slipway.timeout"] {
            guard let seconds = Int(timeout), seconds > 0, seconds <= 3600 else {
                throw InitrdError("slipway.timeout=\(timeout): expected whole seconds from 1 to 3600")
            }
            timeoutSeconds = seconds
        }
    }

    private static func partition(_ value: String?, key: String) throws -> PartitionReference {
        guard let value else {
            throw InitrdError("the kernel command line has no \(key)=; expected \(key)=PARTLABEL=NAME or PARTUUID=GUID")
        }
        if value.hasPrefix("PARTLABEL="), value.count > 10 { return .label(String(value.dropFirst(10))) }
        if value.hasPrefix("PARTUUID="), value.count > 9 { return .uuid(String(value.dropFirst(9)).lowercased()) }
        throw InitrdError("\(key)=\(value): expected PARTLABEL=NAME or PARTUUID=GUID")
    }
}
