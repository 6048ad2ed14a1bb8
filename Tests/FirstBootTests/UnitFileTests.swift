// The unit file reader: accepted texts, option values, and the errors go-systemd reports.
import FirstBoot
import Testing

@Suite struct UnitFileTests {
    @Test func optionsWithContinuationsAndComments() throws {
        let options = try UnitFile.parse(
            """
            ignored before any section
            [Unit]
            Description = a unit \\
              continued
            # comment \\
            still comment
            ; other comment
            [Install]
            WantedBy=multi-user.target
            Empty=
            """
        ).get()
        #expect(
            options == [
                UnitOption(section: "Unit", name: "Description", value: "a unit \\\n  continued"),
                UnitOption(section: "Install", name: "WantedBy", value: "multi-user.target"),
                UnitOption(section: "Install", name: "Empty", value: ""),
            ])
    }

    @Test(arguments: [
        ("[Unit", "unable to find end of section"),
        ("[A]x\n", "found garbage after section name : \"x\""),
        ("[A]\nnoequals\n", "unexpected newline encountered while parsing option name"),
        ("[A]\nfoo", "EOF"),
        ("[A]\nk=" + String(repeating: "x", count: 3000) + "\n", "line too long (max 2048 bytes)"),
    ])
    func errors(_ text: String, _ message: String) {
        guard case .failure(let failure) = UnitFile.parse(text) else {
            Issue.record("accepted \(text.prefix(20))")
            return
        }
        #expect(failure.description == message)
    }
}
