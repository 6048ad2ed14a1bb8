import Foundation
import Testing

@testable import Packages

/// A dependency no source can satisfy is named, with the package that needs it; apt's own error
/// says only "you have held broken packages".
@Suite struct AptUnmetDependencyTests {
    /// An Apt that reads only `repository` (no host sources, so the test does not depend on them).
    private func apt(_ repository: LocalRepository, _ harness: AptHarness) -> Apt {
        harness.apt {
            $0.sources = [repository.sourceLine()]
            $0.keyrings = [repository.binaryKeyring]
            $0.includeHostSources = false
        }
    }

    @Test func aMissingDependencyIsNamedWithThePackageThatNeedsIt() throws {
        let repository = try LocalRepository([
            .init(name: "local-app", depends: "local-missing (>= 2)"), .init(name: "local-base"),
        ])
        let harness = try AptHarness()
        let error = try #require(throws: PackagesError.self) {
            try apt(repository, harness).resolve(["local-base", "local-app"])
        }
        #expect(error.package == "local-app")
        #expect(error.operation == "resolve")
        #expect(
            error.message.hasPrefix(
                "unmet dependency: local-app depends on local-missing (>= 2) but it is not installable (apt-get, "))
        #expect(
            error.message.hasSuffix(
                "Hint: no package source offers local-missing (>= 2): add one that does (apt.sources), refresh the "
                    + "package lists (apt.refresh), or leave out local-app"))
        #expect(!error.message.contains("held broken packages"))
    }

    /// apt explains the package two levels down ("local-mid : Depends: local-gone ..."); the error
    /// is about the requested package that needs it, found by asking apt about each request alone.
    @Test func aMissingDependencyOfADependencyNamesTheRequestThatNeedsIt() throws {
        let repository = try LocalRepository([
            .init(name: "local-top", depends: "local-mid"), .init(name: "local-mid", depends: "local-gone"),
            .init(name: "local-base"),
        ])
        let harness = try AptHarness()
        let error = try #require(throws: PackagesError.self) {
            try apt(repository, harness).resolve(["local-base", "local-top=1.0"])
        }
        #expect(error.package == "local-top")
        #expect(
            error.message.hasPrefix(
                "unmet dependency: local-top needs local-mid, which depends on local-gone but it is not installable"
            ))
        #expect(
            error.message.hasSuffix(
                "no package source offers local-gone: add one that does (apt.sources), "
                    + "refresh the package lists (apt.refresh), or leave out local-top"))
    }

    /// A chain apt explains at the top ("X : Depends: Y but it is not going to be installed") is
    /// followed down by asking apt about Y.
    @Test func aBlockedDependencyIsFollowedToWhatIsMissing() {
        let top = UnmetRelation(
            package: "local-top", kind: "Depends", target: "local-mid", reason: "it is not going to be installed")
        let mid = UnmetRelation(
            package: "local-mid", kind: "PreDepends", target: "local-gone (>= 2)", reason: "it is not installable")
        #expect(top.targetIsBlocked && !mid.targetIsBlocked)
        #expect(
            Apt.describe([top, mid])
                == "local-top depends on local-mid, which pre-depends on local-gone (>= 2) but it is not installable")
    }

    @Test func unmetLinesAreTakenApart() {
        let lines = [
            "local-app : Depends: local-missing (>= 2) but it is not installable",
            "Depends: local-other:amd64 | local-alt but it is not going to be installed",
            "tool : Breaks: local-app (< 3) but 1.0 is to be installed",
        ]
        #expect(
            AptOutput.unmetRelations(in: lines) == [
                UnmetRelation(
                    package: "local-app", kind: "Depends", target: "local-missing (>= 2)",
                    reason: "it is not installable"),
                UnmetRelation(
                    package: "local-app", kind: "Depends", target: "local-other:amd64 | local-alt",
                    reason: "it is not going to be installed"),
                UnmetRelation(
                    package: "tool", kind: "Breaks", target: "local-app (< 3)", reason: "1.0 is to be installed"),
            ])
        #expect(AptOutput.unmetRelations(in: lines).map(\.targetName) == ["local-missing", "local-other", "local-app"])
    }
}
