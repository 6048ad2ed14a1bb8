import Foundation
import Profile
import Testing

/// `firstboot.platform`: qemu unless the profile names another platform; an unknown name lists
/// every platform and suggests the nearest.
@Suite struct PlatformKeyTests {
    static let names = "qemu, aws, gce, azure, openstack, digitalocean, metal, auto"

    @Test func qemuUnlessTheProfileSaysOtherwise() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile)
        #expect(try fixture.load("p.yaml").firstboot.platform.value == .qemu)
        try fixture.write("azure.yaml", minimalProfile + "firstboot:\n  platform: azure\n")
        #expect(try fixture.load("azure.yaml").firstboot.platform.value == .azure)
    }

    /// The shipped profiles name no platform and build for qemu, with the digest they had when
    /// base.yaml said `platform: qemu` (the canonical form writes the default out), so their images
    /// keep every identifier derived from it.
    @Test(arguments: ["minimal.yaml", "docker-host.yaml"])
    func shippedProfilesAreForQemu(_ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("profiles/\(name)").path
        let profile = try Profile.load(path: path)
        #expect(profile.firstboot.platform.value == .qemu)
        #expect(profile.canonicalYAML.contains("\nfirstboot:\n  platform: qemu\n"))
        let fixture = try ProfileFixture()
        try fixture.write("pinned.yaml", "extends: \(path)\nfirstboot:\n  platform: qemu\n")
        try fixture.write("unpinned.yaml", "extends: \(path)\n")
        #expect(try fixture.load("pinned.yaml").digest == fixture.load("unpinned.yaml").digest)
    }

    @Test(arguments: [
        ("gcp", #"; did you mean "gce"?"#),
        ("Azure", #"; did you mean "azure"?"#),
        ("digital-ocean", #"; did you mean "digitalocean"?"#),
        ("ec2", ""),
        ("vmware", ""),
    ])
    func anUnknownPlatformListsTheNamesAndSuggestsTheNearest(_ value: String, _ suggestion: String) throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile + "firstboot:\n  platform: \(value)\n")
        #expect(
            fixture.problems("p.yaml") == [
                "p.yaml:6:13: firstboot.platform \"\(value)\": expected one of: \(Self.names)\(suggestion)"
            ])
    }
}
