// A minimal DHCPv4 client (RFC 2131): DISCOVER, OFFER, REQUEST, ACK on one interface, nothing more.
// The Debian cloud kernel has no IP autoconfiguration (CONFIG_IP_PNP is off, so `ip=dhcp` does
// nothing), yet metadata services and http:// config URLs need an address. The lease is not renewed:
// the initrd gives the address back before the system's own network stack starts.
//
// Message layout (BOOTP, RFC 951), all fields big-endian:
//   0 op · 1 htype · 2 hlen · 3 hops · 4 xid (4) · 8 secs (2) · 10 flags (2) · 12 ciaddr · 16 yiaddr
//   20 siaddr · 24 giaddr · 28 chaddr (16) · 44 sname (64) · 108 file (128) · 236 magic 99.130.83.99
//   240 options: code, length, value ... 255
//
// The client sends from 0.0.0.0:68 to 255.255.255.255:67 on a UDP socket bound to the interface
// (SO_BINDTODEVICE), which Linux allows before the interface has an address, and asks for broadcast
// replies, which the kernel delivers to that socket.
import Glibc

/// The configuration a DHCP server handed out. Addresses are dotted-quad strings.
struct DHCPLease {
    var address: String
    var netmask: String
    var router: String?
    var dnsServers: [String]
    var server: String
    var leaseSeconds: Int?

    /// The prefix length of the netmask ("255.255.255.0" → 24).
    var prefixLength: Int {
        IPv4.parse(netmask).map { UInt32(bigEndian: $0).nonzeroBitCount } ?? 0
    }
}

struct DHCPClient {
    var interface: String
    var mac: [UInt8]
    /// Seconds to keep trying before giving up.
    var timeout: Double

    private static let clientPort: UInt16 = 68
    private static let serverPort: UInt16 = 67

    /// Runs DISCOVER/OFFER/REQUEST/ACK, retrying with a backoff (1, 2, 4 s... between rounds) until
    /// `timeout`; returns the acknowledged lease.
    func obtainLease() throws -> DHCPLease {
        let socket = try openSocket()
        defer { close(socket) }
        let deadline = Console.uptime() + timeout
        var wait = 1.0
        var xid = UInt32(truncatingIfNeeded: time(nil)) ^ UInt32(truncatingIfNeeded: getpid() << 16)
        var lastProblem = "no reply to DHCPDISCOVER"
        while Console.uptime() < deadline {
            xid &+= 1
            try send(socket, message(type: 1, xid: xid, options: []))
            if let offer = receive(socket, xid: xid, types: [2], until: min(deadline, Console.uptime() + wait)) {
                var options: [(UInt8, [UInt8])] = [(50, offer.yourAddress)]
                if let server = offer.options[54] { options.append((54, server)) }
                try send(socket, message(type: 3, xid: xid, options: options))
                if let reply = receive(socket, xid: xid, types: [5, 6], until: min(deadline, Console.uptime() + wait)) {
                    if reply.type == 5, let lease = reply.lease { return lease }
                    lastProblem =
                        reply.type == 6 ? "the server refused the request (DHCPNAK)" : "the ACK had no address"
                } else {
                    lastProblem = "an offer came but no DHCPACK"
                }
            }
            wait = min(wait * 2, 8)
        }
        throw InitrdError("DHCP on \(interface): \(lastProblem) within \(Int(timeout)) s")
    }

    private func openSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw InitrdError("DHCP on \(interface): socket: \(System.reason())") }
        var yes: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, size)
        guard setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &yes, size) == 0,
            setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface, socklen_t(interface.utf8.count)) == 0
        else {
            close(fd)
            throw InitrdError("DHCP on \(interface): setsockopt: \(System.reason())")
        }
        var local = IPv4.socketAddress(0, port: DHCPClient.clientPort)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw InitrdError("DHCP on \(interface): bind port 68: \(System.reason())")
        }
        return fd
    }

    /// A BOOTREQUEST with DHCP message type `type` (1 DISCOVER, 3 REQUEST) and extra options.
    func message(type: UInt8, xid: UInt32, options: [(UInt8, [UInt8])]) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: 240)
        packet[0] = 1  // BOOTREQUEST
        packet[1] = 1  // Ethernet
        packet[2] = 6
        for index in 0..<4 { packet[4 + index] = UInt8(truncatingIfNeeded: xid >> (24 - 8 * UInt32(index))) }
        packet[10] = 0x80  // broadcast flag: we cannot receive unicast to an address we do not have yet
        for (index, byte) in mac.prefix(16).enumerated() { packet[28 + index] = byte }
        packet.replaceSubrange(236..<240, with: [99, 130, 83, 99])
        packet += [53, 1, type]
        packet += [61, UInt8(mac.count + 1), 1] + mac  // client identifier: hardware type + MAC
        for (code, value) in options { packet += [code, UInt8(value.count)] + value }
        packet += [55, 5, 1, 3, 6, 51, 54]  // ask for netmask, router, DNS, lease time, server id
        packet.append(255)
        // Some servers ignore BOOTP messages shorter than 300 bytes.
        if packet.count < 300 { packet += [UInt8](repeating: 0, count: 300 - packet.count) }
        return packet
    }

    private func send(_ fd: Int32, _ packet: [UInt8]) throws {
        var destination = IPv4.socketAddress(0xffff_ffff, port: DHCPClient.serverPort)
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == packet.count else { throw InitrdError("DHCP on \(interface): send: \(System.reason())") }
    }

    /// The first reply for `xid` of one of `types` that arrives before `deadline` (uptime seconds).
    private func receive(_ fd: Int32, xid: UInt32, types: Set<UInt8>, until deadline: Double) -> DHCPReply? {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while true {
            let remaining = deadline - Console.uptime()
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(remaining * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0, let reply = DHCPReply(Array(buffer[0..<count])) else { continue }
            if reply.xid == xid, Array(reply.clientHardwareAddress.prefix(mac.count)) == mac, types.contains(reply.type)
            {
                return reply
            }
        }
    }
}

/// A BOOTREPLY as far as the client needs it.
struct DHCPReply {
    var xid: UInt32
    var type: UInt8
    var yourAddress: [UInt8]
    var clientHardwareAddress: [UInt8]
    var options: [UInt8: [UInt8]] = [:]

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 240, bytes[0] == 2, Array(bytes[236..<240]) == [99, 130, 83, 99] else { return nil }
        xid = bytes[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        yourAddress = Array(bytes[16..<20])
        clientHardwareAddress = Array(bytes[28..<44])
        var index = 240
        while index < bytes.count {
            let code = bytes[index]
            if code == 255 { break }
            if code == 0 {
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { break }
            let length = Int(bytes[index + 1])
            guard index + 2 + length <= bytes.count else { break }
            // RFC 3396: a repeated option continues the previous one.
            options[code, default: []] += bytes[(index + 2)..<(index + 2 + length)]
            index += 2 + length
        }
        guard let kind = options[53]?.first else { return nil }
        type = kind
    }

    var lease: DHCPLease? {
        guard yourAddress != [0, 0, 0, 0] else { return nil }
        func address(_ bytes: ArraySlice<UInt8>) -> String { bytes.map(String.init).joined(separator: ".") }
        let dns = options[6].map { bytes in
            stride(from: 0, to: bytes.count - 3, by: 4).map { address(bytes[$0..<($0 + 4)]) }
        }
        return DHCPLease(
            address: address(yourAddress[...]),
            netmask: options[1].flatMap { $0.count == 4 ? address($0[...]) : nil } ?? "255.255.255.0",
            router: options[3].flatMap { $0.count >= 4 ? address($0[0..<4]) : nil },
            dnsServers: dns ?? [],
            server: options[54].flatMap { $0.count == 4 ? address($0[...]) : nil } ?? "?",
            leaseSeconds: options[51].flatMap { $0.count == 4 ? Int($0.reduce(0) { $0 << 8 | UInt32($1) }) : nil })
    }
}

/// IPv4 addresses in the forms the socket calls want.
enum IPv4 {
    /// "10.0.2.15" in network byte order, or nil.
    static func parse(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return address.s_addr
    }

    /// A sockaddr_in for an address already in network byte order.
    static func socketAddress(_ address: UInt32, port: UInt16) -> sockaddr_in {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = address
        return socketAddress
    }
}
