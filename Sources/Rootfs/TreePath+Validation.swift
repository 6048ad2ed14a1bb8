// The rule for names that come from untrusted input: archive members, manifest entries, overlay
// directories, profile-declared files.

extension TreePath {
    /// The longest name of one path component, in bytes (ext4's limit).
    public static let maximumComponentBytes = 255
    /// The longest path accepted, in bytes (Linux's PATH_MAX).
    public static let maximumPathBytes = 4096

    /// The components of an untrusted layer path, or a `RootfsError` naming `layer`, the raw name
    /// and the broken rule.
    ///
    /// The rule, checked in this order:
    /// - the name is not empty (`emptyPath`);
    /// - it contains no NUL byte (`nulInPath`);
    /// - it is at most `maximumPathBytes` bytes long (`pathTooLong`);
    /// - it is relative: it does not start with "/" (`absolutePath`);
    /// - no component is ".." (`parentReference`), even where it would stay inside the tree
    ///   ("a/../b"): a layer has no reason to write one, and refusing it keeps the rule simple;
    /// - no component is longer than `maximumComponentBytes` bytes (`componentTooLong`).
    ///
    /// A leading "./" (the form tar and dpkg write), "." components and repeated or trailing "/"
    /// are dropped, so "./usr//bin/" gives ["usr", "bin"]. "." and "./" name the layer's root
    /// and give []; callers decide what an entry for the root means.
    public static func validated(_ raw: String, layer: String) throws -> [String] {
        func failure(_ rule: RootfsError.Rule) -> RootfsError { RootfsError(layer: layer, entry: raw, rule: rule) }
        let bytes = raw.utf8
        if bytes.isEmpty { throw failure(.emptyPath) }
        if bytes.contains(0) { throw failure(.nulInPath) }
        if bytes.count > maximumPathBytes { throw failure(.pathTooLong(bytes: bytes.count)) }
        if bytes.first == UInt8(ascii: "/") { throw failure(.absolutePath) }
        var components: [String] = []
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.count == 1 && part.first == UInt8(ascii: ".") { continue }
            if part.count == 2 && part.allSatisfy({ $0 == UInt8(ascii: ".") }) { throw failure(.parentReference) }
            if part.count > maximumComponentBytes { throw failure(.componentTooLong(bytes: part.count)) }
            components.append(String(decoding: part, as: UTF8.self))
        }
        return components
    }

    /// The absolute-style text of `components` ("/" for the root), as errors and walks show paths.
    public static func string(_ components: some Collection<String>) -> String {
        "/" + components.joined(separator: "/")
    }
}
