// The SPDX document of a build, made from its manifest and from each .deb's control and copyright
// files. What is described and how it hangs together:
//
//   DOCUMENT DESCRIBES every output (disk image, root filesystem, kernel, initrd, converted disks,
//   update payload)
//   image CONTAINS rootfs, kernel, initrd; image GENERATED_FROM each boot package; a converted disk
//   (qcow2, vmdk, vhd, gce) GENERATED_FROM image; update CONTAINS rootfs, kernel, initrd
//   rootfs CONTAINS each root layer, each root package and each container image
//   container image CONTAINS its layers and its packages
//
// A .deb that several places hold (libc6 in the root and in the boot packages) is one package with
// a relationship from each.
import Foundation
import Hashing
import Packages

extension SPDXDocument {
    /// Every package record of the manifest: root, boot, then each image's.
    static func allPackages(_ manifest: Manifest) -> [Manifest.PackageRecord] {
        manifest.packages + manifest.bootPackages + manifest.images.flatMap(\.packages)
    }

    /// The document of a build. `version` is the profile's; `facts` comes from `DebianFacts.read`.
    init(manifest: Manifest, version: String?, facts: [String: DebianFacts]) {
        let outputDigests = manifest.outputs.keys.sorted().map { "\($0) \(manifest.outputs[$0]?.sha256 ?? "")" }
        let seed = SHA256.hexDigest(Array(([manifest.profile.digest] + outputDigests).joined(separator: "\n").utf8))
        self.init(
            name: manifest.profile.name,
            documentNamespace: "https://spdx.org/spdxdocs/slipway-\(manifest.profile.name)-\(Self.uuid(seed))",
            creationInfo: CreationInfo(
                created: Self.timestamp(manifest.sourceDateEpoch),
                creators: ["Tool: " + manifest.tool.replacingOccurrences(of: " ", with: "-")]))
        var licenses = LicenseRefs()
        var debIDs: [String: String] = [:]  // .deb SHA-256 → SPDX ID
        let byName = Dictionary(
            Self.allPackages(manifest).map { ($0.name, $0.sha256) }, uniquingKeysWith: { first, _ in first })

        func relate(_ from: String, _ type: String, _ to: String) {
            relationships.append(Relationship(spdxElementId: from, relationshipType: type, relatedSpdxElement: to))
        }
        func debian(_ record: Manifest.PackageRecord) -> String {
            if let id = debIDs[record.sha256] { return id }
            let id = Self.identifier("deb", record.name, String(record.sha256.prefix(12)))
            debIDs[record.sha256] = id
            var package = Package(SPDXID: id, name: record.name, versionInfo: record.version)
            package.checksums = [Checksum(checksumValue: record.sha256)]
            package.downloadLocation = Self.downloadLocation(record.source)
            package.supplier = facts[record.sha256]?.maintainer.flatMap(Self.supplier) ?? "NOASSERTION"
            package.externalRefs = [ExternalReference(referenceLocator: Self.purl(record))]
            let license = licenses.expression(
                for: Self.copyrightText(of: record, facts: facts, byName: byName), package: record.name)
            package.licenseDeclared = license
            package.licenseConcluded = license
            packages.append(package)
            return id
        }
        func layer(_ record: Manifest.LayerRecord, id: String) -> String {
            var package = Package(SPDXID: id, name: "\(record.kind) \(record.source)")
            if ["tar", "oci-archive", "docker-archive"].contains(record.kind) {
                package.checksums = [Checksum(checksumValue: record.digest)]
            } else {
                package.comment = "slipway's SHA-256 of the layer's input: \(record.digest)"
            }
            packages.append(package)
            return id
        }

        var outputIDs: [String: String] = [:]
        for role in manifest.outputs.keys.sorted() {
            guard let output = manifest.outputs[role] else { continue }
            let id = Self.identifier("output", role)
            var package = Package(SPDXID: id, name: output.file, versionInfo: version, packageFileName: output.file)
            package.checksums = output.sha256.map { [Checksum(checksumValue: $0)] }
            package.primaryPackagePurpose = role == "rootfs" || role == "update" ? "FILE" : "OPERATING-SYSTEM"
            package.comment = "slipway build output \"\(role)\", \(output.size) bytes"
            packages.append(package)
            outputIDs[role] = id
            relate(SPDXID, "DESCRIBES", id)
        }
        let root = outputIDs["rootfs"]
        for (role, id) in outputIDs.sorted(by: { $0.key < $1.key }) {
            switch role {
            case "image", "update":
                for part in ["rootfs", "kernel", "initrd"] {
                    if let inner = outputIDs[part] { relate(id, "CONTAINS", inner) }
                }
            case "rootfs", "kernel", "initrd": break
            default: if let image = outputIDs["image"] { relate(id, "GENERATED_FROM", image) }
            }
        }
        for (index, record) in manifest.layers.enumerated() {
            let id = layer(record, id: Self.identifier("layer", String(index + 1)))
            if let root { relate(root, "CONTAINS", id) }
        }
        for record in manifest.packages {
            let id = debian(record)
            if let root { relate(root, "CONTAINS", id) }
        }
        for record in manifest.bootPackages {
            let id = debian(record)
            if let image = outputIDs["image"] { relate(image, "GENERATED_FROM", id) }
        }
        for (index, image) in manifest.images.enumerated() {
            let id = Self.identifier("image", String(index + 1))
            var package = Package(SPDXID: id, name: image.repoTag, packageFileName: image.path)
            package.checksums = [Checksum(checksumValue: image.sha256)]
            package.primaryPackagePurpose = "CONTAINER"
            package.comment = "Image \(image.imageID) for the \(image.daemon) Docker daemon (\(image.name))"
            packages.append(package)
            if let root { relate(root, "CONTAINS", id) }
            for (layerIndex, record) in image.layers.enumerated() {
                relate(
                    id, "CONTAINS",
                    layer(record, id: Self.identifier("image", String(index + 1), "layer", String(layerIndex + 1))))
            }
            for record in image.packages { relate(id, "CONTAINS", debian(record)) }
        }
        hasExtractedLicensingInfos = licenses.extracted.isEmpty ? nil : licenses.extracted
    }

    /// The copyright file of `record`, following a documentation link to a package of the build.
    private static func copyrightText(
        of record: Manifest.PackageRecord, facts: [String: DebianFacts], byName: [String: String]
    ) -> String? {
        var current = facts[record.sha256]
        for _ in 0..<4 {
            if let text = current?.copyright { return text }
            guard let other = current?.linkedPackage else { return nil }
            current = byName[other].flatMap { facts[$0] }
        }
        return nil
    }

    /// apt's URI when it is one SPDX accepts as a download location (http, https, ftp).
    static func downloadLocation(_ uri: String) -> String {
        ["http://", "https://", "ftp://"].contains(where: uri.hasPrefix) ? uri : "NOASSERTION"
    }

    /// "Name <email>" as an SPDX supplier: an organization when the name says it is a team.
    static func supplier(_ maintainer: String) -> String? {
        var name = maintainer
        var email = ""
        if let open = maintainer.firstIndex(of: "<"), let close = maintainer.lastIndex(of: ">"), open < close {
            name = String(maintainer[..<open])
            email = String(maintainer[maintainer.index(after: open)..<close])
        }
        name = name.filter { $0 != "(" && $0 != ")" }.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        let teamWords = ["team", "maintainers", "developers", "packagers", "group", "project", "debian"]
        let isTeam = teamWords.contains { name.lowercased().contains($0) }
        return "\(isTeam ? "Organization" : "Person"): \(name)" + (email.isEmpty ? "" : " (\(email))")
    }

    /// `pkg:deb/debian/NAME@VERSION?arch=ARCH`, the version percent-encoded as the purl spec asks.
    static func purl(_ record: Manifest.PackageRecord) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~")
        let version = record.version.utf8.map { byte in
            safe.contains(Character(Unicode.Scalar(byte)))
                ? String(Unicode.Scalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
        return "pkg:deb/debian/\(record.name)@\(version)?arch=\(record.architecture)"
    }

    /// A UUID's form of the first 128 bits of a hex digest.
    static func uuid(_ hex: String) -> String {
        let digits = Array(hex.prefix(32))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
    }
}

/// The SPDX licence expressions of copyright files, and the `LicenseRef-` entries for the names
/// without an SPDX identifier: each named once per distinct text, the text from the copyright file.
struct LicenseRefs {
    private(set) var extracted: [SPDXDocument.ExtractedLicense] = []

    /// The package's declared licence: every `License:` expression of a DEP-5 file joined with
    /// AND; NOASSERTION for a missing or free-text file, or an expression that does not parse.
    mutating func expression(for copyright: String?, package: String) -> String {
        guard let copyright else { return "NOASSERTION" }
        let parsed = DebianCopyright(parsing: copyright)
        guard parsed.isMachineReadable, !parsed.expressions.isEmpty else { return "NOASSERTION" }
        var parts: [String] = []
        for text in parsed.expressions {
            guard let license = DebianLicense(parsing: text) else { return "NOASSERTION" }
            for conjunct in license.conjuncts {
                let spdx = conjunct.spdx { term in reference(term, texts: parsed.texts, package: package) }
                if !parts.contains(spdx) { parts.append(spdx) }
            }
        }
        guard parts.count > 1 else { return parts[0] }
        return parts.map { $0.contains(" OR ") && !$0.hasPrefix("(") ? "(\($0))" : $0 }.joined(separator: " AND ")
    }

    /// The LicenseRef for `term`, made on first use with the copyright file's text for it.
    private mutating func reference(_ term: String, texts: [String: String], package: String) -> String {
        let base = term.lowercased().split(separator: " ").first.map(String.init) ?? term
        let text =
            texts[term.lowercased()] ?? texts[base]
            ?? "\"\(term)\", named in the copyright file of the Debian package \(package) without its text."
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        let name = term.replacingOccurrences(of: "+", with: "-or-later")
        let plain = "LicenseRef-" + String(name.map { allowed.contains($0) ? $0 : "-" })
        for id in [plain, plain + "-" + String(SHA256.hexDigest(Array(text.utf8)).prefix(8))] {
            if let existing = extracted.first(where: { $0.licenseId == id }) {
                if existing.extractedText == text { return id }
                continue
            }
            extracted.append(.init(licenseId: id, name: term, extractedText: text))
            return id
        }
        return plain
    }
}
