import Foundation
import Packages
import TestSupport
import Testing

/// DEP-5 licence expressions to SPDX expressions, and the SPDX validator's view of every
/// identifier the mapping can produce.
@Suite struct DebianLicenseTests {
    private func spdx(_ text: String) -> String? {
        DebianLicense(parsing: text)?.spdx { "LicenseRef-\($0.replacingOccurrences(of: " ", with: "-"))" }
    }

    @Test(arguments: [
        ("GPL-2+", "GPL-2.0-or-later"), ("GPL-2", "GPL-2.0-only"), ("gpl-3.0+", "GPL-3.0-or-later"),
        ("GPL", "GPL-1.0-or-later"), ("LGPL-2.1+", "LGPL-2.1-or-later"), ("LGPL-2", "LGPL-2.0-only"),
        ("AGPL-3+", "AGPL-3.0-or-later"), ("GFDL-1.3+", "GFDL-1.3-or-later"),
        ("GFDL-NIV-1.2", "GFDL-1.2-no-invariants-only"), ("GPL-2.0-or-later", "GPL-2.0-or-later"),
        ("LGPL-2.1-only", "LGPL-2.1-only"), ("Expat", "MIT"), ("BSD-3-clause", "BSD-3-Clause"),
        ("Apache-2", "Apache-2.0"), ("MPL-1.1+", "MPL-1.1+"), ("Zlib", "Zlib"),
        ("Perl", "(Artistic-1.0-Perl OR GPL-1.0-or-later)"),
        ("GPL-2+ or Artistic", "GPL-2.0-or-later OR Artistic-1.0-Perl"),
        ("GPL-2+ and BSD-3-clause or MIT", "(GPL-2.0-or-later AND BSD-3-Clause) OR MIT"),
        ("MIT or GPL-2+ and ISC", "MIT OR (GPL-2.0-or-later AND ISC)"),
        ("GPL-2+ or Artistic, and BSD-3-clause", "(GPL-2.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause"),
        ("MIT and GPL-2, or Apache-2.0", "(MIT AND GPL-2.0-only) OR Apache-2.0"),
        ("GPL-3+ with GCC-exception", "GPL-3.0-or-later WITH GCC-exception-3.1"),
        ("GPL-2 with Linux-syscall-note exception", "GPL-2.0-only WITH Linux-syscall-note"),
        ("GPL-2+ with Autoconf exception", "GPL-2.0-or-later WITH Autoconf-exception-2.0"),
        ("GPL-2+ with OpenSSL exception", "LicenseRef-GPL-2+-with-OpenSSL-exception"),
        ("public-domain", "LicenseRef-public-domain"),
        ("public-domain or MIT", "LicenseRef-public-domain OR MIT"),
        ("GPL-7+", "LicenseRef-GPL-7+"), ("Perl+", "LicenseRef-Perl+"),
    ])
    func translates(_ debian: String, _ expected: String) {
        #expect(spdx(debian) == expected)
    }

    @Test(arguments: ["", "   ", "GPL-2+ or", "and MIT", "MIT GPL-2", "GPL-2+ with OpenSSL", "MIT or, and ISC", "MIT,"])
    func malformedExpressionsDoNotParse(_ text: String) {
        #expect(DebianLicense(parsing: text) == nil)
    }

    @Test func theConjunctsOfAnExpressionAreItsTopLevelAndOperands() {
        let license = DebianLicense(parsing: "GPL-2+ or Artistic, and BSD-3-clause and MIT")
        let parts = license?.conjuncts.map { $0.spdx { $0 } }
        #expect(parts == ["GPL-2.0-or-later OR Artistic-1.0-Perl", "BSD-3-Clause", "MIT"])
    }

    /// Every SPDX identifier and exception the mapping produces, in one document for pyspdxtools,
    /// which checks each against the SPDX licence list it ships.
    @Test func everyIdentifierIsOnTheSPDXLicenseList() throws {
        let names = [
            "GPL-1", "GPL-1+", "GPL-2", "GPL-2+", "GPL-3", "GPL-3+", "LGPL-2", "LGPL-2+", "LGPL-2.1", "LGPL-2.1+",
            "LGPL-3", "LGPL-3+", "AGPL-1", "AGPL-3", "AGPL-3+", "GFDL-1.1", "GFDL-1.2+", "GFDL-1.3",
            "GFDL-NIV-1.1+", "GFDL-NIV-1.3", "GPL-3+ with GCC-exception", "GPL-2+ with GCC-exception",
            "GPL-3+ with Autoconf exception", "GPL-2+ with Autoconf exception", "GPL-2+ with Bison exception",
            "GPL-2+ with Classpath exception", "GPL-2+ with Font exception", "GPL-2+ with Libtool exception",
            "Apache-2.0 with LLVM exception", "GPL-2 with Linux-syscall-note exception",
            "GPL-3+ with Texinfo exception",
        ]
        var expressions = names.compactMap { spdx($0) }
        #expect(expressions.count == names.count)
        expressions += DebianLicense.knownNames.compactMap { DebianLicense.spdxIdentifier($0) }
        #expect(!expressions.contains { $0.hasPrefix("LicenseRef") })
        let packages = expressions.enumerated().map { index, expression in
            """
            {"SPDXID": "SPDXRef-p\(index)", "name": "p\(index)", "downloadLocation": "NOASSERTION",
             "filesAnalyzed": false, "licenseConcluded": "\(expression)", "licenseDeclared": "NOASSERTION",
             "copyrightText": "NOASSERTION"}
            """
        }
        let document = """
            {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
             "name": "licences", "documentNamespace": "https://spdx.org/spdxdocs/slipway-licence-table",
             "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: slipway-tests"]},
             "packages": [\(packages.joined(separator: ",\n"))],
             "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                                "relatedSpdxElement": "SPDXRef-p0"}]}
            """
        let dir = try TemporaryDirectory()
        try Data(document.utf8).write(to: URL(fileURLWithPath: dir.file("licences.spdx.json")))
        let result = try SPDXTools.validate(dir.file("licences.spdx.json"))
        #expect(
            result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
        // The validator is a real check: an identifier off the list is refused.
        let bad = document.replacingOccurrences(
            of: "\"licenseDeclared\": \"NOASSERTION\"", with: "\"licenseDeclared\": \"GPL-2+-ish\"")
        try Data(bad.utf8).write(to: URL(fileURLWithPath: dir.file("bad.spdx.json")))
        let refused = try SPDXTools.validate(dir.file("bad.spdx.json"))
        #expect(refused.status != 0 || !refused.stdout.isEmpty || !refused.stderr.isEmpty)
    }
}
