import Profile
import Testing

/// `root.verity`: off by default, a boolean, and only with a read-only root.
struct RootVerityTests {
    func problems(_ fixture: ProfileFixture) -> [String] {
        fixture.problems("p.yaml").map { $0.replacingOccurrences(of: fixture.directory.path + "/", with: "") }
    }

    @Test func offUnlessTheProfileSaysSo() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile)
        #expect(try fixture.load("p.yaml").root.verity.value == false)
        try fixture.write("p.yaml", minimalProfile + "  verity: true\n")
        let profile = try fixture.load("p.yaml")
        #expect(profile.root.verity.value)
        #expect(profile.canonicalYAML.contains("\n  verity: true\n"))
    }

    @Test func aValueThatIsNoBooleanIsNamed() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile + "  verity: yes\n")
        let found = problems(fixture)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix(#"p.yaml:5:11: root.verity "yes": "#) == true, "\(found)")
    }

    @Test func aWritableRootCannotBeVerified() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile + "  read-only: false\n  verity: true\n")
        #expect(
            problems(fixture) == [
                #"p.yaml:6:11: root.verity "true": a verified root cannot be written, and root.read-only is false; set root.read-only: true or root.verity: false"#
            ])
    }
}
