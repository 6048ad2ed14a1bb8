// Enabling and masking systemd units in a tree at build time, as `systemctl enable` and `systemctl
// mask` would on the running system: package maintainer scripts (deb-systemd-helper) do not run, so
// a unit is enabled only when the profile (or the build, for the units it generates) says so.
//
// Enabling reads the unit's [Install] section and makes, in /etc/systemd/system:
//   TARGET.wants/NAME -> UNIT FILE    for each WantedBy=   (TARGET.requires/ for RequiredBy=)
//   ALIAS -> UNIT FILE                for each Alias=
// and enables each Also= unit the same way. Links point at the unit file's absolute path where it
// was found (or, for a unit file that is a link, where that leads), as systemctl writes them. Masking links /etc/systemd/system/NAME to /dev/null.
import Profile
import Rootfs

/// A symbolic link made by enabling or masking.
struct UnitLink: Equatable, CustomStringConvertible {
    /// Absolute path of the link in the tree.
    var path: String
    var target: String
    var description: String { "\(path) -> \(target)" }
}

/// Enables and masks units in one tree.
struct SystemdUnits {
    /// Where unit files are looked for, most important first (systemd.unit(5), system unit search
    /// path; /run is empty at build time). Debian 12 still searches /lib/systemd/system, where its
    /// packages put their units, before /usr/lib/systemd/system.
    static let searchPath = [
        "/etc/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
    ]
    /// Where enablement links and masks go.
    static let configDirectory = "/etc/systemd/system"

    let tree: Tree
    /// The modification time of the links and directories made.
    let modificationTime: Int64

    /// Enables `services.enable` in order, then masks `services.mask`. Errors name the profile line.
    func apply(_ services: Profile.Services) throws {
        for unit in services.enable { try enable(unit.value, requestedAt: "\(unit.location)") }
        for unit in services.mask { try mask(unit.value, requestedAt: "\(unit.location)") }
    }

    /// Enables `name` and its Also= units; returns every link made (links already in place count).
    /// `requestedAt` names where the request came from in errors (a profile line).
    @discardableResult
    func enable(_ name: String, requestedAt: String? = nil) throws -> [UnitLink] {
        var visited: Set<String> = []
        var links: [UnitLink] = []
        try enable(name, requestedBy: nil, at: requestedAt ?? name, visited: &visited, links: &links)
        return links
    }

    /// Masks `name`: links /etc/systemd/system/NAME to /dev/null. The unit need not exist.
    @discardableResult
    func mask(_ name: String, requestedAt: String? = nil) throws -> UnitLink {
        let place = requestedAt ?? name
        guard let unit = UnitName(name) else {
            throw BuildError(operation: "mask \(name)", path: place, message: "\"\(name)\" is not a unit name")
        }
        let link = UnitLink(path: Self.configDirectory + "/" + unit.description, target: "/dev/null")
        try make(link, operation: "mask \(name)", at: place)
        return link
    }

    /// The unit file for `unit`, as systemd finds it: the name itself in every directory of the
    /// search path, then (for an instance) its template. Returns the path where it was found.
    func unitFile(for unit: UnitName) -> String? {
        let names =
            unit.instance.map { $0.isEmpty ? [unit.description] : [unit.description, unit.templateName] }
            ?? [unit.description]
        for name in names {
            for directory in Self.searchPath {
                let path = directory + "/" + name
                if tree.resolvedComponents(of: path, followLast: false).flatMap({ tree.node(at: $0) }) != nil {
                    return path
                }
            }
        }
        return nil
    }

    // MARK: - Internals

    private func enable(
        _ name: String, requestedBy: String?, at place: String, visited: inout Set<String>, links: inout [UnitLink]
    ) throws {
        guard visited.insert(name).inserted else { return }
        let operation = requestedBy.map { "enable \(name) (Also= of \($0))" } ?? "enable \(name)"
        func failure(_ message: String) -> BuildError {
            BuildError(operation: operation, path: place, message: message)
        }
        guard let unit = UnitName(name) else { throw failure("\"\(name)\" is not a unit name") }
        guard let file = unitFile(for: unit) else {
            let searched = Self.searchPath.joined(separator: ", ")
            throw failure(
                "no unit file \(unit.instance == nil ? name : "\(name) or \(unit.templateName)") in \(searched); "
                    + "add the package or overlay that ships it, or remove it from services.enable")
        }
        let text = try unitText(file, unit: unit, failure: failure)
        // A unit file that is itself a link of the same name (`systemctl link`, or Debian's
        // /usr/share/systemd/tmp.mount linked into /etc) is enabled by its target, as systemctl does.
        var linkTarget = file
        if let components = tree.resolvedComponents(of: file, followLast: false),
            case .symlink = tree.node(at: components)?.kind, let resolved = tree.resolvedComponents(of: file)
        {
            linkTarget = TreePath.string(resolved)
        }
        let install = UnitInstallSection(parsing: text)
        guard install.hasInstallInfo else {
            throw failure(
                "\(file) has no [Install] section (WantedBy=, RequiredBy=, Alias=, Also=): it is a static unit, "
                    + "started by the units that need it; remove it from services.enable")
        }
        // A template is enabled through an instance: the one named, or its DefaultInstance=.
        var effective = unit
        if unit.isTemplate {
            guard let instance = install.defaultInstance else {
                throw failure(
                    "\(name) is a template without DefaultInstance=; enable an instance such as "
                        + "\(unit.prefix)@NAME.\(unit.type)")
            }
            effective = unit.with(instance: instance)
        }
        let dependencies = [(install.wantedBy, "wants"), (install.requiredBy, "requires")]
        for (targets, suffix) in dependencies {
            for target in targets {
                let expanded = try expand(target, for: effective, failure: failure)
                guard UnitName(expanded) != nil else { throw failure("\(file): \"\(target)\" is not a unit name") }
                let link = UnitLink(
                    path: "\(Self.configDirectory)/\(expanded).\(suffix)/\(effective)", target: linkTarget)
                try make(link, operation: operation, at: place)
                links.append(link)
            }
        }
        for alias in install.alias {
            var expanded = try expand(alias, for: effective, failure: failure)
            guard var aliasName = UnitName(expanded), aliasName.type == unit.type else {
                throw failure("\(file): Alias=\(alias) is not a .\(unit.type) unit name")
            }
            if aliasName.isTemplate, let instance = effective.instance {
                aliasName = aliasName.with(instance: instance)
                expanded = aliasName.description
            }
            let link = UnitLink(path: "\(Self.configDirectory)/\(expanded)", target: linkTarget)
            try make(link, operation: operation, at: place)
            links.append(link)
        }
        for also in install.also {
            try enable(
                expand(also, for: effective, failure: failure), requestedBy: name, at: place, visited: &visited,
                links: &links)
        }
    }

    /// The text of the unit file at `path`. A link to /dev/null is a masked unit; a link to a unit of
    /// another name is an alias, which systemctl also refuses to enable by that name.
    private func unitText(_ path: String, unit: UnitName, failure: (String) -> BuildError) throws -> String {
        // /dev is empty at build time, so a mask is recognised by its target, not by following it.
        if let link = tree.resolvedComponents(of: path, followLast: false).flatMap({ tree.node(at: $0) }),
            case .symlink(let target) = link.kind, target == "/dev/null"
        {
            throw failure("\(path) masks the unit (it links to /dev/null)")
        }
        guard let resolved = tree.resolvedComponents(of: path) else {
            throw failure("\(path) is a link that leads nowhere in the root")
        }
        guard let node = tree.node(at: resolved), case .regular(let content) = node.kind else {
            throw failure("\(path) is not a regular file")
        }
        if let last = resolved.last, last != unit.description, last != unit.templateName {
            throw failure("\(unit) is an alias of \(last); enable \(last) instead")
        }
        do {
            return String(decoding: try content.readBytes(limit: 1 << 20), as: UTF8.self)
        } catch {
            throw failure("cannot read \(path): \(error)")
        }
    }

    /// `value` with the specifiers systemctl resolves in [Install] replaced: %n, %N, %p, %i, %I,
    /// %j, %%. Others depend on the running machine and are refused.
    private func expand(_ value: String, for unit: UnitName, failure: (String) -> BuildError) throws -> String {
        guard value.contains("%") else { return value }
        var result = ""
        var iterator = value.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "n": result += unit.description
            case "N": result += unit.description.dropLast(unit.type.count + 1)
            case "p": result += unit.prefix
            case "i", "I": result += unit.instance ?? ""
            case "j": result += unit.prefix.split(separator: "-").last.map(String.init) ?? unit.prefix
            case "%": result += "%"
            case let other:
                throw failure(
                    "[Install] value \"\(value)\" uses %\(other.map(String.init) ?? ""), which depends on the "
                        + "running machine; write the name out in an overlay copy of the unit")
            }
        }
        return result
    }

    /// Makes `link`, creating its directory; a link that is already there with the same target is
    /// kept, anything else in its place is an error (as for systemctl without --force).
    private func make(_ link: UnitLink, operation: String, at place: String) throws {
        let components = tree.placement(of: link.path)
        if let existing = tree.node(at: components) {
            if case .symlink(let target) = existing.kind, target == link.target { return }
            let what: String
            switch existing.kind {
            case .symlink(let target): what = "a link to \(target)"
            case .directory: what = "a directory"
            default: what = "a file"
            }
            throw BuildError(
                operation: operation, path: place,
                message: "\(link.path) is already \(what); remove it from the overlay or the profile")
        }
        let node = Node(
            kind: .symlink(target: link.target),
            metadata: Metadata(permissions: 0o777, modificationTime: modificationTime))
        try tree.putNode(node, at: link.path, modificationTime: modificationTime)
    }
}
