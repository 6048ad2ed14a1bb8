// NAME.spdx.json: the build's software bill of materials as an SPDX 2.3 document in its JSON form
// (https://spdx.github.io/spdx-spec/v2.3/). Only what SPDX needs of it is modelled here: packages
// (every output, layer, container image and Debian package), relationships, and the texts of the
// licences that have no SPDX identifier. The encoding is stable (sorted keys, elements in build
// order, the creation time from SOURCE_DATE_EPOCH), so two builds of the same inputs give the same
// bytes. SPDXDocument+Manifest.swift fills it in from the manifest.
import Foundation

/// An SPDX 2.3 document.
struct SPDXDocument: Encodable, Equatable {
    struct CreationInfo: Encodable, Equatable {
        /// "YYYY-MM-DDThh:mm:ssZ".
        var created: String
        var creators: [String]
    }

    struct Checksum: Encodable, Equatable {
        var algorithm = "SHA256"
        var checksumValue: String
    }

    struct ExternalReference: Encodable, Equatable {
        var referenceCategory = "PACKAGE-MANAGER"
        var referenceType = "purl"
        var referenceLocator: String
    }

    struct Package: Encodable, Equatable {
        var SPDXID: String
        var name: String
        var versionInfo: String?
        var packageFileName: String?
        var supplier: String?
        var downloadLocation = "NOASSERTION"
        var filesAnalyzed = false
        var checksums: [Checksum]?
        var licenseConcluded = "NOASSERTION"
        var licenseDeclared = "NOASSERTION"
        var copyrightText = "NOASSERTION"
        var externalRefs: [ExternalReference]?
        var primaryPackagePurpose: String?
        var comment: String?
    }

    struct Relationship: Encodable, Equatable {
        var spdxElementId: String
        var relationshipType: String
        var relatedSpdxElement: String
    }

    /// A licence without an SPDX identifier, referred to as `licenseId` ("LicenseRef-...").
    struct ExtractedLicense: Encodable, Equatable {
        var licenseId: String
        var name: String
        var extractedText: String
    }

    var spdxVersion = "SPDX-2.3"
    var dataLicense = "CC0-1.0"
    var SPDXID = "SPDXRef-DOCUMENT"
    var name: String
    var documentNamespace: String
    var creationInfo: CreationInfo
    var packages: [Package] = []
    var relationships: [Relationship] = []
    var hasExtractedLicensingInfos: [ExtractedLicense]?

    /// Stable JSON: sorted keys, pretty-printed, no escaped slashes, a final newline.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// SPDX's time format for a number of seconds since 1970, in UTC.
    static func timestamp(_ epoch: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    /// An SPDX identifier from free text: letters, digits, "." and "-" only (others become "-").
    static func identifier(_ parts: String...) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        return "SPDXRef-" + String(parts.joined(separator: "-").map { allowed.contains($0) ? $0 : "-" })
    }
}
