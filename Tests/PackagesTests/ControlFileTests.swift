import Testing

@testable import Packages

@Suite struct ControlFileTests {
    @Test func fieldsContinuationsAndCase() throws {
        let text =
            "Package: foo\r\nVersion:1.0\nDescription: short\n long line\n .\n\tlast\n# comment\nX-Custom:  spaced  \n\n"
        let control = try ControlFile(parsing: text, source: "control of foo.deb")
        #expect(control.fields.map(\.name) == ["Package", "Version", "Description", "X-Custom"])
        #expect(control["package"] == "foo")
        #expect(control["VERSION"] == "1.0")
        #expect(control["Description"] == "short\nlong line\n\nlast")
        #expect(control["X-Custom"] == "spaced")
        #expect(control["Depends"] == nil)
    }

    @Test(arguments: [
        (" leading continuation\nPackage: foo\n", "line 1: continuation line before any field"),
        ("Package: foo\nno colon here\n", "line 2: expected \"Field: value\""),
        ("Package: foo\npackage: bar\n", "line 2: field package appears twice"),
        (
            "Package: foo\n\nPackage: bar\n",
            "line 3: a second paragraph: a binary package's control file has exactly one"
        ),
        (": value\n", "line 1: field name \"\" must be non-empty printable ASCII without spaces"),
        ("Two Words: value\n", "line 1: field name \"Two Words\" must be non-empty printable ASCII without spaces"),
    ])
    func malformedControlFiles(text: String, message: String) throws {
        #expect(throws: PackagesError(package: "control of x.deb", operation: "parse control", message: message)) {
            try ControlFile(parsing: text, source: "control of x.deb")
        }
    }

    @Test(arguments: [
        ("", [] as [[String]]),
        ("libc6 (>= 2.34), libgcc-s1", [["libc6 (>= 2.34)"], ["libgcc-s1"]]),
        ("aa | bb:any (<< 2:1.0~rc1) |cc", [["aa", "bb:any (<< 2:1.0~rc1)", "cc"]]),
        ("python3:any,\n perl (>=5.36)", [["python3:any"], ["perl (>= 5.36)"]]),
        (
            "old (< 1), older (> 2), exact (= 3), most (>> 4), least (<= 5)",
            [["old (<= 1)"], ["older (>= 2)"], ["exact (= 3)"], ["most (>> 4)"], ["least (<= 5)"]]
        ),
    ])
    func relationsParse(text: String, expected: [[String]]) throws {
        let parsed = try PackageRelation.parseList(text, field: "Depends", source: "x")
        #expect(parsed.map { $0.map(\.description) } == expected)
    }

    @Test(arguments: [
        ("libc6,", "Depends: \"\": expected a package name (at least two of a-z 0-9 + - ., starting alphanumeric)"),
        ("Libc6", "Depends: \"Libc6\": expected a package name (at least two of a-z 0-9 + - ., starting alphanumeric)"),
        ("libc6 (>= 2.34", "Depends: \"libc6 (>= 2.34\": unclosed '(' in the version constraint"),
        ("libc6 (~ 2)", "Depends: \"libc6 (~ 2)\": unknown comparison \"\" (expected << <= = >= >>)"),
        ("libc6 (>=)", "Depends: \"libc6 (>=)\": expected one version after >="),
        ("libc6: (>= 1)", "Depends: \"libc6: (>= 1)\": empty architecture qualifier after ':'"),
        (
            "foo <!nocheck>",
            "Depends: \"foo <!nocheck>\": unexpected \"<!nocheck>\" (architecture lists and build "
                + "profiles belong in source packages)"
        ),
    ])
    func malformedRelations(text: String, message: String) throws {
        #expect(throws: PackagesError(package: "x", operation: "parse control", message: message)) {
            try PackageRelation.parseList(text, field: "Depends", source: "x")
        }
    }
}
