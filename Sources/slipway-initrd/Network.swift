// The network of the first boot: brought up only when a config source or resource needs it (a
// metadata service, an http:// URL), on the first Ethernet interface, with the initrd's own DHCP
// client; taken down again before the switch to the system, whose network stack starts clean.
//
// Needs the NIC driver among the initrd's modules (virtio_net, with its dependencies net_failover
// and failover, for QEMU and most clouds); profiles list it in `kernel.modules.initrd`.
import CLinux
import FirstBoot
import Glibc

/// The interface the initrd configured, once it is up.
struct NetworkLink {
    var interface: String
    var lease: DHCPLease
}

/// Brings the network up once, on demand. Only the initrd's single thread uses it.
final class Network: @unchecked Sendable {
    static let shared = Network()

    /// Seconds to wait for an interface to appear and for DHCP; set from slipway.timeout.
    var timeout: Double = 30
    private(set) var link: NetworkLink?
    private var failure: InitrdError?

    /// The configured link, bringing it up on the first call. A failure is remembered, so retried
    /// fetches fail at once instead of repeating DHCP.
    func ensureUp() throws -> NetworkLink {
        if let link { return link }
        if let failure { throw failure }
        do {
            let link = try bringUp()
            self.link = link
            return link
        } catch let error as InitrdError {
            failure = error
            throw error
        }
    }

    private func bringUp() throws -> NetworkLink {
        let start = Console.uptime()
        let name = try waitForInterface()
        let control = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard control >= 0 else { throw InitrdError("network: socket: \(System.reason())") }
        defer { close(control) }
        _ = slipway_set_link_up(control, "lo", 1)
        guard slipway_set_link_up(control, name, 1) == 0 else {
            throw InitrdError("network: bring \(name) up: \(System.reason())")
        }
        let macText = (try? System.readText("/sys/class/net/\(name)/address")) ?? ""
        let mac = macText.split(separator: "\n").first.map {
            $0.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        }
        guard let mac, mac.count == 6 else {
            throw InitrdError("network: \(name) has no Ethernet address (\(macText))")
        }
        let lease = try DHCPClient(interface: name, mac: mac, timeout: timeout).obtainLease()
        try configure(control, name, lease)
        Console.log(
            "network: \(name) up: \(lease.address)/\(lease.prefixLength)"
                + (lease.router.map { " via \($0)" } ?? "") + " (DHCP from \(lease.server)"
                + (lease.leaseSeconds.map { ", lease \($0) s" } ?? "") + ") in "
                + String(Int((Console.uptime() - start) * 1000)) + " ms")
        return NetworkLink(interface: name, lease: lease)
    }

    /// The first Ethernet interface (by name), waiting for the driver to register one.
    private func waitForInterface() throws -> String {
        let deadline = Console.uptime() + timeout
        while true {
            let names = (try? System.listDirectory("/sys/class/net")) ?? []
            let ethernet = names.filter { name in
                name != "lo" && (try? System.readText("/sys/class/net/\(name)/type"))?.hasPrefix("1\n") == true
            }
            if let first = ethernet.first { return first }
            if Console.uptime() >= deadline {
                throw InitrdError(
                    "network: no Ethernet interface appeared within \(Int(timeout)) s (interfaces: "
                        + (names.isEmpty ? "none" : names.joined(separator: ", "))
                        + "); the profile must list the NIC driver (e.g. virtio_net) in kernel.modules.initrd")
            }
            System.sleep(seconds: 0.1)
        }
    }

    private func configure(_ control: Int32, _ name: String, _ lease: DHCPLease) throws {
        guard let address = IPv4.parse(lease.address), let mask = IPv4.parse(lease.netmask) else {
            throw InitrdError("network: DHCP gave an unusable address \(lease.address)/\(lease.netmask)")
        }
        guard slipway_set_ipv4(control, name, 0, address) == 0, slipway_set_ipv4(control, name, 1, mask) == 0,
            slipway_set_ipv4(control, name, 2, address | ~mask) == 0
        else { throw InitrdError("network: set address \(lease.address) on \(name): \(System.reason())") }
        if let router = lease.router, let gateway = IPv4.parse(router) {
            guard slipway_add_default_route(control, name, gateway) == 0 || errno == EEXIST else {
                throw InitrdError("network: default route via \(router) on \(name): \(System.reason())")
            }
        }
        // Host names in URLs are resolved by glibc, which reads this file (the initramfs's /etc).
        // Without it a config URL with a host name fails later with a resolver error that hides
        // the cause, so a failed write stops here with its own reason.
        if !lease.dnsServers.isEmpty {
            do {
                try System.writeFile("/etc/resolv.conf", lease.dnsServers.map { "nameserver \($0)\n" }.joined())
            } catch {
                throw InitrdError(
                    "network: write /etc/resolv.conf for the DNS servers of \(name): "
                        + ((error as? InitrdError)?.message ?? "\(error)"))
            }
        }
    }

    /// Gives the address back and takes the interface down, so the system configures it from scratch.
    func tearDown() {
        guard let link else { return }
        let control = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard control >= 0 else { return }
        defer { close(control) }
        // Deleting the address also deletes the routes through it.
        _ = slipway_set_ipv4(control, link.interface, 0, 0)
        _ = slipway_set_link_up(control, link.interface, 0)
        self.link = nil
        Console.log("network: \(link.interface) released \(link.lease.address) and is down")
    }
}

/// A config source that needs the network (a metadata service): brings it up before fetching.
struct NetworkedSource: ConfigSource {
    var inner: any ConfigSource
    var network: Network

    var name: String { inner.name }

    func fetch() throws(FirstBootError) -> [UInt8]? {
        do {
            _ = try network.ensureUp()
        } catch let error as InitrdError {
            throw FirstBootError("fetch", "", error.message)
        } catch {
            throw FirstBootError("fetch", "", "\(error)")
        }
        return try inner.fetch()
    }
}
