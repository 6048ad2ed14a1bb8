import Packages
import Testing

/// DEP-5 copyright files: paragraphs, continuation lines, standalone licence texts, free text.
@Suite struct DebianCopyrightTests {
    @Test func filesParagraphsGiveTheirExpressionsInOrderOnce() {
        let text = """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: example
            # a comment line is not a field
            License: MIT

            Files: *
            Copyright: 2001 Someone
            License: GPL-2+
             This program is free software;
             .
             see /usr/share/common-licenses/GPL-2.

            Files: lib/*
              compat/*
            Copyright: 2003 Someone Else
            License:   BSD-3-clause  or   GPL-2+

            Files: debian/*
            License: GPL-2+

            License: BSD-3-clause
             Redistribution and use in source and binary forms...
            """
        let parsed = DebianCopyright(parsing: text)
        #expect(parsed.isMachineReadable)
        // The header's License is not the files' licence when Files paragraphs exist; spaces collapse.
        #expect(parsed.expressions == ["GPL-2+", "BSD-3-clause or GPL-2+"])
        #expect(parsed.texts["gpl-2+"] == "This program is free software;\n\nsee /usr/share/common-licenses/GPL-2.")
        #expect(parsed.texts["bsd-3-clause"] == "Redistribution and use in source and binary forms...")
        #expect(parsed.texts["mit"] == nil)
    }

    @Test func aHeaderLicenseCountsWhenNoFilesParagraphDoes() {
        let parsed = DebianCopyright(
            parsing: "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\r\n"
                + "License: Expat\r\n Permission is hereby granted\r\n")
        #expect(parsed.isMachineReadable)
        #expect(parsed.expressions == ["Expat"])
        #expect(parsed.texts["expat"] == "Permission is hereby granted")
    }

    @Test(arguments: [
        "This is the Debian prepackaged version of the GNU C Library.\n\nLicense: LGPL-2.1+\n",
        "Format-Specification: http://example.org/not-dep5\n\nFiles: *\nLicense: MIT\n",
        "",
        "Files: *\nLicense: MIT\n",
    ])
    func freeTextIsNotMachineReadable(_ text: String) {
        let parsed = DebianCopyright(parsing: text)
        #expect(!parsed.isMachineReadable)
        #expect(parsed.expressions.isEmpty)
    }

    @Test func theOldDEP5FormatURLIsAccepted() {
        let parsed = DebianCopyright(
            parsing: "Format: http://dep.debian.net/deps/dep5\n\nFiles: *\nCopyright: x\nLicense: ISC\n")
        #expect(parsed.expressions == ["ISC"])
    }
}
