// First boot fetching an https:// resource in the initrd: `openssl s_server` on the host's loopback,
// reached from the guest through QEMU's user network (its host address 169.254.169.2), with a
// certificate for that address issued by a throwaway CA the config names in
// ignition.security.tls.certificateAuthorities.
import Foundation
import TestSupport
import Testing

extension FirstBootBootTests {
    @Test func fetchesAnHTTPSResourceTrustingTheConfigsCA() throws {
        let scratch = try TemporaryDirectory("firstboot-https")
        let machine = try Machine(scratch)
        let authority = try TestCertificateAuthority(in: scratch.path)
        let issued = try authority.issue("server", names: ["IP:169.254.169.2"])
        let site = scratch.file("site")
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let motd = "hello over https\n"
        try Self.write(site + "/motd", motd)
        let server = try TLSTestServer(certificate: issued.certificate, key: issued.key, serving: site)
        let url = "https://169.254.169.2:\(server.port)/motd"
        let hash = try Self.sha256(Data(motd.utf8))
        let network = [
            "-netdev", "user,id=net0,net=169.254.169.0/24", "-device", "virtio-net-pci,netdev=net0",
        ]
        func config(authorities: String) -> String {
            """
            {"ignition": {"version": "3.4.0", "security": {"tls": {"certificateAuthorities": [\(authorities)]}}},
             "storage": {"files": [{"path": "/etc/motd.d/hello", "mode": 416, "contents": {
               "source": "\(url)", "verification": {"hash": "sha256-\(hash)"}}}]}}
            """
        }

        // Without the CA: the boot stops with the reason (the busybox root's init is not run).
        let untrusted = scratch.file("untrusted.ign")
        try Self.write(untrusted, config(authorities: ""))
        let failed = try machine.boot(
            "https-untrusted", fwCfg: untrusted, extraArguments: network, until: "starting rescue shell")
        print("https without the CA:\n" + failed.initrdLines.joined(separator: "\n"))
        #expect(
            failed.printed(
                "slipway-initrd: first boot failed: qemu fw_cfg opt/com.coreos/config: $.storage.files.0 "
                    + "(/etc/motd.d/hello): fetch: \(url): certificate verify failed: unable to get local issuer "
                    + "certificate (add its CA to ignition.security.tls.certificateAuthorities)\r\n"))
        #expect(!failed.printed("slipway: ready"))

        // With the CA as a data: URL: the failed attempt is tried again and the file is fetched.
        let pem = Data(authority.certificatePEM.utf8).base64EncodedString()
        let trusted = scratch.file("trusted.ign")
        try Self.write(trusted, config(authorities: "{\"source\": \"data:;base64,\(pem)\"}"))
        let boot = try machine.boot("https-trusted", fwCfg: trusted, extraArguments: network)
        print(
            "https with the CA, \(String(format: "%.1f", boot.seconds)) s:\n" + boot.initrdLines.joined(separator: "\n")
        )
        #expect(boot.printed("slipway: ready"))
        #expect(
            boot.initrdSteps.contains {
                $0.hasPrefix("first boot: the attempt of ") && $0.hasSuffix(" failed; trying again")
            }, "\(boot.initrdLines)")
        #expect(boot.initrdSteps.contains { $0.hasPrefix("network: eth0 up: ") }, "\(boot.initrdLines)")
        #expect(boot.printed("root: file 640 0:0 hello over https"))
        #expect(boot.initrdErrors.isEmpty, "\(boot)")
    }
}
