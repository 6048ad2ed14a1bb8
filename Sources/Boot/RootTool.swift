// Installing one of slipway's own executables (slipway-update) into a root tree together with the
// shared libraries it needs that the root does not already have. The executable is linked with an
// RPATH of `privateLibraries`, and the missing libraries go there, so a root without them (the
// minimal profile has no libc) runs it and a root with them (docker-host) keeps a single copy. The
// program interpreter must be at its exact path; it is added only when the root lacks one.
public import Rootfs

public enum RootTool {
    /// Where the missing libraries go; the executables carry this RPATH (see Package.swift).
    public static let privateLibraries = "/usr/lib/slipway/lib"

    /// Puts `executable` at `path` in `root`, with the libraries of its closure (found in
    /// `libraries`) that `root` lacks. Returns the paths added.
    @discardableResult
    public static func install(
        executable: FileContent, at path: String, into root: Tree, libraries: Tree, timestamp: Int64
    ) throws -> [String] {
        let directory = Metadata(permissions: 0o755, modificationTime: timestamp)
        var added = [path]
        try root.insert(
            Node(kind: .regular(executable), metadata: Metadata(permissions: 0o755, modificationTime: timestamp)),
            at: TreeLookup.placement(of: path, in: root), parentMetadata: directory)
        let closure = try LibraryResolver(source: .tree(libraries)).closure(of: [(path, executable)])
        for library in closure {
            let soname = LibraryResolver.basename(library.destination)
            let isInterpreter = !library.destination.hasPrefix("/lib/")
            let present =
                isInterpreter
                ? TreeLookup.resolve(library.destination, in: root) != nil
                : LibraryResolver.treeSearchPath.contains { TreeLookup.resolve($0 + "/" + soname, in: root) != nil }
            if present { continue }
            let destination = isInterpreter ? library.destination : privateLibraries + "/" + soname
            try root.insert(
                Node(
                    kind: .regular(library.content), metadata: Metadata(permissions: 0o755, modificationTime: timestamp)
                ),
                at: TreeLookup.placement(of: destination, in: root),
                parentMetadata: directory)
            added.append(destination)
        }
        return added
    }
}
