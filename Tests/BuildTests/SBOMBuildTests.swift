import Build
import Foundation
import TestSupport
import Testing

/// NAME.spdx.json of a real build of profiles/minimal.yaml, checked by the SPDX project's validator
/// and against the manifest, the .debs (dpkg-deb) and a second build.
@Suite(.serialized) struct SBOMBuildTests {
    private func build(into output: String) throws -> BuildResult {
        let request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/minimal.yaml").path, outputDirectory: output,
            cacheDirectory: BuildPipelineTests.cache, initrdExecutable: try Fixtures.initrdExecutable())
        return try Builder(request).build()
    }

    private func json(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func theSBOMValidatesListsEveryPackageAndIsReproducible() throws {
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        let result = try build(into: first.path)
        #expect(result.sbom == first.file("minimal.spdx.json"))
        let validation = try SPDXTools.validate(result.sbom)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
        #expect(validation.stdout.isEmpty && validation.stderr.isEmpty, "\(validation.stdout)\(validation.stderr)")

        let sbom = try json(result.sbom)
        let manifest = try json(result.manifest)
        #expect(sbom["spdxVersion"] as? String == "SPDX-2.3")
        let packages = try #require(sbom["packages"] as? [[String: Any]])
        func sha256(_ package: [String: Any]) -> String? {
            (package["checksums"] as? [[String: String]])?.first { $0["algorithm"] == "SHA256" }?["checksumValue"]
        }
        // Every package of the manifest, root and boot, with its version and the .deb's SHA-256.
        let records =
            (manifest["packages"] as? [[String: Any]] ?? []) + (manifest["bootPackages"] as? [[String: Any]] ?? [])
        #expect(records.count > 10)
        for record in records {
            let name = try #require(record["name"] as? String), digest = try #require(record["sha256"] as? String)
            let match = packages.first { $0["name"] as? String == name && sha256($0) == digest }
            #expect(match?["versionInfo"] as? String == record["version"] as? String, "\(name)")
        }
        // The disk image is described, with the SHA-256 the manifest records (and sha256sum computes).
        let outputs = try #require(manifest["outputs"] as? [String: [String: Any]])
        let imageDigest = try #require(outputs["image"]?["sha256"] as? String)
        #expect(try runTool(["sha256sum", first.file("minimal.img")]).stdout.hasPrefix(imageDigest))
        let image = packages.first { $0["SPDXID"] as? String == "SPDXRef-output-image" }
        #expect(image.map(sha256) == imageDigest)

        // libssl3's copyright file (read with dpkg-deb) is DEP-5: Apache-2.0, and Artistic or GPL-1+.
        let libssl = try #require(records.first { $0["name"] as? String == "libssl3" })
        let deb = "\(BuildPipelineTests.cache)/debs/sha256/\(libssl["sha256"] as? String ?? "").deb"
        let copyright = try runTool([
            "sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO ./usr/share/doc/libssl3/copyright", "sh", deb,
        ]).stdout
        #expect(copyright.contains("License: Apache-2.0") && copyright.contains("License: Artistic or GPL-1+"))
        let spdxLibssl = packages.first { $0["name"] as? String == "libssl3" }
        #expect(
            spdxLibssl?["licenseDeclared"] as? String == "Apache-2.0 AND (Artistic-1.0-Perl OR GPL-1.0-or-later)")
        #expect(
            (spdxLibssl?["externalRefs"] as? [[String: String]])?.first?["referenceLocator"]
                == "pkg:deb/debian/libssl3@\(libssl["version"] as? String ?? "")?arch=amd64"
                .replacingOccurrences(of: "~", with: "~"))
        // libc6's copyright file is free text, not DEP-5.
        #expect(packages.first { $0["name"] as? String == "libc6" }?["licenseDeclared"] as? String == "NOASSERTION")

        _ = try build(into: second.path)
        let compare = try runTool(["cmp", first.file("minimal.spdx.json"), second.file("minimal.spdx.json")])
        #expect(compare.status == 0, "\(compare.stdout)")
    }

    /// docker-host's root holds container images: each is in the SBOM with the digest of its archive,
    /// contained in the root filesystem, and contains its own packages.
    @Test func containerImagesAndTheirPackagesAreInTheSBOM() throws {
        let output = try TemporaryDirectory()
        var request = BuildRequest(
            profilePath: packageRoot().appendingPathComponent("profiles/docker-host.yaml").path,
            outputDirectory: output.path, cacheDirectory: BuildPipelineTests.cache,
            initrdExecutable: try Fixtures.initrdExecutable())
        request.rootfsOnly = true
        let result = try Builder(request).build()
        let validation = try SPDXTools.validate(result.sbom)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
        let sbom = try json(result.sbom), manifest = try json(result.manifest)
        let packages = try #require(sbom["packages"] as? [[String: Any]])
        let relationships = try #require(sbom["relationships"] as? [[String: String]])
        func contains(_ container: String, _ element: String) -> Bool {
            relationships.contains {
                $0["spdxElementId"] == container && $0["relationshipType"] == "CONTAINS"
                    && $0["relatedSpdxElement"] == element
            }
        }
        let images = try #require(manifest["images"] as? [[String: Any]])
        #expect(!images.isEmpty)
        let rootfs = try #require(
            packages.first { ($0["packageFileName"] as? String)?.hasSuffix(".rootfs.ext4") == true })
        for image in images {
            let tag = try #require(image["repoTag"] as? String), digest = try #require(image["sha256"] as? String)
            let entry = packages.first { package in
                package["name"] as? String == tag
                    && (package["checksums"] as? [[String: String]])?.first?["checksumValue"] == digest
            }
            let id = try #require(entry?["SPDXID"] as? String, "\(tag)")
            #expect(contains(try #require(rootfs["SPDXID"] as? String), id), "\(tag)")
            for record in image["packages"] as? [[String: Any]] ?? [] {
                let name = try #require(record["name"] as? String)
                let member = packages.first {
                    $0["name"] as? String == name && $0["versionInfo"] as? String == record["version"] as? String
                }
                #expect(member.flatMap { $0["SPDXID"] as? String }.map { contains(id, $0) } == true, "\(tag): \(name)")
            }
        }
    }
}
