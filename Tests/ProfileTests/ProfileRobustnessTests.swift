import Foundation
import Profile
import TestSupport
import Testing

/// Broken input gives problems, never a crash or a hang.
@Suite struct ProfileRobustnessTests {
    /// Every truncation of the default profile either loads or reports located problems.
    @Test func truncatedProfilesReportProblems() throws {
        let original = try String(
            contentsOf: packageRoot().appendingPathComponent("profiles/docker-host.yaml"), encoding: .utf8)
        let fixture = try ProfileFixture()
        try fixture.write("base.yaml", "name: base\n")
        let scalars = Array(original.unicodeScalars)
        var cuts = Set(stride(from: 0, to: scalars.count, by: 17))
        for (index, scalar) in scalars.enumerated() where scalar == "\n" { cuts.insert(index) }
        var loaded = 0, rejected = 0
        for cut in cuts.sorted() {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[..<cut])
            try fixture.write("p.yaml", String(text))
            let problems = fixture.problems("p.yaml")
            if problems.isEmpty {
                loaded += 1
            } else {
                rejected += 1
                #expect(problems.allSatisfy { $0.hasPrefix("p.yaml:") || $0.hasPrefix("base.yaml:") }, "\(problems)")
            }
        }
        #expect(rejected > 0)
        #expect(loaded + rejected == cuts.count)
    }

    /// Nine levels of nine aliases each stand for 9^9 values: refused at once, at the anchor that
    /// ran over the budget, instead of expanding for minutes in gigabytes.
    @Test func aliasBombsAreRefusedQuickly() throws {
        let levels = Array("abcdefghi").map(String.init)
        var lines = ["name: bomb", "a: &a [x, x, x, x, x, x, x, x, x]"]
        for (below, level) in zip(levels, levels.dropFirst()) {
            lines.append("\(level): &\(level) [" + Array(repeating: "*" + below, count: 9).joined(separator: ", ") + "]")
        }
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", lines.joined(separator: "\n") + "\n")
        #expect(
            fixture.problems("p.yaml") == [
                "p.yaml:2:17: the YAML expands to more than 100000 values, counting each value an alias (*name) "
                    + "repeats; write the values out or use fewer, flatter aliases"
            ])
    }

    /// A file past the profile size cap is refused before it is read.
    @Test func hugeProfilesAreRefusedUnread() throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", minimalProfile + "# " + String(repeating: "x", count: 1 << 20) + "\n")
        let problems = fixture.problems("p.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.contains("bytes; a profile may be at most 1048576 bytes") == true, "\(problems)")
    }

    /// Aliases that expand to a modest tree are still allowed.
    @Test func modestAliasesStillLoad() throws {
        let fixture = try ProfileFixture()
        try fixture.write(
            "p.yaml", "name: t\nroot:\n  layers:\n    - packages: &tools [busybox-static]\n    - packages: *tools\n")
        let profile = try fixture.load("p.yaml")
        #expect(profile.root.layers.count == 2)
    }

    @Test(arguments: [
        "", "\0", "---\n---\n", "name: [", "!!binary x", "*alias", "&a [*a]", "? [a]\n: b\n", "name: t\n\t- x\n",
        String(repeating: "[", count: 10_000), "name: \u{FEFF}t\n", "%YAML 9.9\n---\nname: t\n",
    ])
    func hostileInputIsRejected(_ text: String) throws {
        let fixture = try ProfileFixture()
        try fixture.write("p.yaml", text)
        let problems = fixture.problems("p.yaml")
        #expect(!problems.isEmpty)
        #expect(problems.allSatisfy { $0.hasPrefix("p.yaml") }, "\(problems)")
    }
}
