// Loading a profile: read the file and, depth first, every file it extends; merge them (bases
// first, each file once); decode; validate across sections. Every problem found on the way is
// collected and thrown together.
import Foundation

extension Profile {
    /// Loads the profile at `path` with its `extends:` chain applied, and validates it.
    ///
    /// Paths inside a profile are relative to the file that writes them. Locations in problems name
    /// files the way `path` names them: `profiles/docker-host.yaml` extending `base.yaml` reports
    /// `profiles/base.yaml:3:1: ...`.
    /// - Throws: `ProfileErrors` with every problem, in file, line and column order.
    public static func load(path: String) throws(ProfileErrors) -> Profile {
        let cwd = FileManager.default.currentDirectoryPath
        let display = path.hasPrefix("/") ? PathText.normalize(path) : PathText.normalize(path)
        let absolute = PathText.join(cwd, path)
        var loader = ExtendsLoader()
        loader.visit(display: display, absolute: absolute, chain: [], via: nil)
        guard loader.problems.isEmpty, let first = loader.order.first else {
            throw ProfileErrors(sorted(loader.problems))
        }
        var merged = first.node
        for next in loader.order.dropFirst() { merged = SourceNode.merge(merged, next.node) }

        let context = DecodeContext(rootDirectory: PathText.directory(of: absolute), directories: loader.directories)
        var profile = Profile.decode(merged, file: display, files: loader.order.map(\.display), in: context)
        profile.location = SourceLocation(file: display, line: 1, column: 1)
        profile.validate(in: context)
        if !context.problems.isEmpty { throw ProfileErrors(sorted(context.problems)) }
        return profile
    }

    private static func sorted(_ problems: [ProfileProblem]) -> [ProfileProblem] {
        problems.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x == y ? a.offset < b.offset : x < y
            }
        }.map(\.element)
    }
}

/// Reads a profile and the files it extends, in merge order (depth first, bases before the file
/// that extends them, each file once even when reached twice).
struct ExtendsLoader {
    var order: [(display: String, node: SourceNode)] = []
    var problems: [ProfileProblem] = []
    /// Absolute directory of each file, by display name.
    var directories: [String: String] = [:]
    private var visited: Set<String> = []

    /// `via` is the `extends` item that named this file, where problems about reaching it belong.
    mutating func visit(
        display: String, absolute: String, chain: [(identity: String, display: String)],
        via: (location: SourceLocation, path: FieldPath, written: String)?
    ) {
        let identity = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
        if chain.contains(where: { $0.identity == identity }) {
            let loop = (chain.drop { $0.identity != identity }.map(\.display) + [display]).joined(separator: " → ")
            if let via {
                problems.append(
                    ProfileProblem(
                        location: via.location, file: via.location.file, keyPath: via.path.description,
                        value: via.written,
                        message: "extends cycle: \(loop); remove one of these extends"))
            }
            return
        }
        if visited.contains(identity) { return }
        visited.insert(identity)

        let text: String
        switch Self.readProfileText(absolute) {
        case .success(let read): text = read
        case .failure(let reason):
            if let via {
                problems.append(
                    ProfileProblem(
                        location: via.location, file: via.location.file, keyPath: via.path.description,
                        value: via.written, message: "\(reason) (looked for \(absolute))"))
            } else {
                problems.append(
                    ProfileProblem(
                        location: nil, file: display, keyPath: "", value: nil,
                        message: "\(reason) (looked for \(absolute))"))
            }
            return
        }
        let node: SourceNode
        switch SourceNode.parse(yaml: text, file: display) {
        case .failure(let errors):
            problems += errors.problems
            return
        case .success(let parsed): node = parsed
        }
        guard case .mapping = node.kind else {
            problems.append(
                ProfileProblem(
                    location: node.location, file: display, keyPath: "", value: nil,
                    message: "a profile is a mapping of keys like name, root and kernel; found \(node.typeName)"))
            return
        }
        directories[display] = PathText.directory(of: absolute)

        let chain = chain + [(identity, display)]
        for base in extendsEntries(node, file: display) {
            let baseDisplay = PathText.join(PathText.directory(of: display), base.written)
            let baseAbsolute = PathText.join(PathText.directory(of: absolute), base.written)
            visit(display: baseDisplay, absolute: baseAbsolute, chain: chain, via: base)
        }
        order.append((display, node.removing("extends")))
    }

    /// The `extends` value: one path or a list of paths.
    private mutating func extendsEntries(_ node: SourceNode, file: String) -> [(
        location: SourceLocation, path: FieldPath, written: String
    )] {
        guard let value = node.entry("extends")?.value else { return [] }
        let path = FieldPath().key("extends")
        var items: [(SourceNode, FieldPath)]
        switch value.kind {
        case .null: return []
        case .scalar: items = [(value, path)]
        case .sequence(let nodes): items = nodes.enumerated().map { ($1, path.index($0)) }
        case .mapping:
            problems.append(
                ProfileProblem(
                    location: value.location, file: file, keyPath: "extends", value: nil,
                    message: "expected a path or a list of paths, found a mapping"))
            return []
        }
        return items.compactMap { item, itemPath in
            guard let written = item.scalar, !written.isEmpty else {
                problems.append(
                    ProfileProblem(
                        location: item.location, file: file, keyPath: itemPath.description, value: nil,
                        message: "expected the path of a profile, relative to this file"))
                return nil
            }
            return (item.location, itemPath, written)
        }
    }
}

extension ExtendsLoader {
    /// The most a profile file may hold. Profiles are a few KiB; the cap keeps a profile that names
    /// a huge file from being read into memory whole.
    static let maximumProfileBytes = 1 << 20

    /// The text of the profile at `path`, or why it cannot be one. Only regular files are read:
    /// `/dev/zero` or a FIFO would never end, and a directory is a mistake worth naming.
    static func readProfileText(_ path: String) -> Result<String, ReadFailure> {
        var status = stat()
        guard stat(path, &status) == 0 else {
            return .failure(ReadFailure(errno == ENOENT ? "no such file" : String(cString: strerror(errno))))
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(ReadFailure("is a directory; name a profile file (.yaml) in it"))
        default: return .failure(ReadFailure("is not a regular file; a profile is a YAML file"))
        }
        guard status.st_size <= maximumProfileBytes else {
            return .failure(
                ReadFailure("is \(status.st_size) bytes; a profile may be at most \(maximumProfileBytes) bytes"))
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= maximumProfileBytes,
            let text = String(data: data, encoding: .utf8)
        else { return .failure(ReadFailure("cannot read it as UTF-8 text")) }
        return .success(text)
    }

    struct ReadFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
