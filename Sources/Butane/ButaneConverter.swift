// YAML nodes → the JSON tree of an Ignition config: snake_case keys become the spec's camelCase,
// plain scalars are typed the YAML way (0644 is octal, as in Butane), Butane's conveniences are
// expanded, and the YAML position of every JSON path is remembered for error messages.
import FirstBoot
import Foundation
import Yams

struct ButaneConverter {
    let filesDirectory: String?
    private var positions: [JSONPath: SourcePosition] = [:]

    init(filesDirectory: String?) { self.filesDirectory = filesDirectory }

    /// Keys whose camelCase form is not the mechanical one.
    static let keyExceptions = ["size_mib": "sizeMiB", "start_mib": "startMiB", "type_guid": "typeGuid"]
    /// Keys (in JSON form) whose values are resources.
    static let resourceKeys: Set<String> = ["contents", "replace", "keyFile"]
    /// Keys (in JSON form) whose values are lists of resources.
    static let resourceListKeys: Set<String> = ["append", "merge", "certificateAuthorities"]
    /// Butane features that need more than a config (or that slipway images do not have).
    static let unsupported: Set<String> = ["boot_device", "trees", "with_mount_unit", "grub", "openshift", "metadata"]

    static func position(_ node: Node) -> SourcePosition? {
        node.mark.map { SourcePosition(line: $0.line, column: $0.column) }
    }

    /// The YAML position of a JSON path, or of its nearest ancestor.
    func position(for path: JSONPath) -> SourcePosition? {
        var current = path
        while true {
            if let position = positions[current] { return position }
            if current.components.isEmpty { return nil }
            current.components.removeLast()
        }
    }

    static func camelCase(_ key: String) -> String {
        if let exception = keyExceptions[key] { return exception }
        let parts = key.split(separator: "_")
        guard let first = parts.first else { return key }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    func fail(_ node: Node, _ path: JSONPath, _ message: String) -> ButaneError {
        ButaneError(path.description, message, position: ButaneConverter.position(node))
    }

    mutating func convertTop(_ mapping: Node.Mapping) throws(ButaneError) -> JSONNode {
        var variant: String?
        var version: String?
        var members: [JSONMember] = []
        var ignition: Node?
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(key, .root, "keys must be strings") }
            switch name {
            case "variant": variant = value.string
            case "version": version = value.string
            case "ignition": ignition = value
            default:
                if ButaneConverter.unsupported.contains(name) {
                    throw fail(
                        key, JSONPath.root.appending(name),
                        "\(name) is not supported by slipway render; write it as plain Ignition fields")
                }
                let jsonKey = ButaneConverter.camelCase(name)
                let path = JSONPath.root.appending(jsonKey)
                members.append(JSONMember(key: jsonKey, value: try convert(value, path: path, key: jsonKey)))
            }
        }
        guard let variant, let table = ButaneRenderer.versions[variant] else {
            throw ButaneError(
                "$.variant", "variant must be one of \(ButaneRenderer.versions.keys.sorted().joined(separator: ", "))")
        }
        guard let version, let spec = table[version] else {
            throw ButaneError(
                "$.version", "\(variant) version must be one of \(table.keys.sorted().joined(separator: ", "))")
        }
        var ignitionNode = JSONNode.object([])
        if let ignition {
            ignitionNode = try convert(ignition, path: JSONPath.root.appending("ignition"), key: "ignition")
        }
        guard case .object(var ignitionMembers) = ignitionNode.value else {
            throw fail(ignition ?? Node(""), JSONPath.root.appending("ignition"), "ignition must be a mapping")
        }
        ignitionMembers.removeAll { $0.key == "version" }
        ignitionMembers.insert(JSONMember(key: "version", value: .string(spec)), at: 0)
        members.insert(JSONMember(key: "ignition", value: JSONNode(.object(ignitionMembers))), at: 0)
        return JSONNode(.object(members))
    }

    mutating func convert(_ node: Node, path: JSONPath, key: String) throws(ButaneError) -> JSONNode {
        if let position = ButaneConverter.position(node) { positions[path] = position }
        switch node {
        case .scalar(let scalar): return ButaneConverter.scalar(scalar)
        case .sequence(let sequence):
            var elements: [JSONNode] = []
            for (index, element) in sequence.enumerated() {
                let elementPath = path.appending(index)
                if ButaneConverter.resourceListKeys.contains(key) {
                    elements.append(try resource(element, path: elementPath))
                } else {
                    elements.append(try convert(element, path: elementPath, key: ""))
                }
            }
            return JSONNode(.array(elements))
        case .mapping(let mapping):
            return try object(mapping, path: path)
        case .alias:
            throw fail(node, path, "YAML aliases are not supported")
        }
    }

    private mutating func object(_ mapping: Node.Mapping, path: JSONPath) throws(ButaneError) -> JSONNode {
        var members: [JSONMember] = []
        var extraKeys: [String] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw fail(keyNode, path, "keys must be strings") }
            if ButaneConverter.unsupported.contains(name) {
                throw fail(
                    keyNode, path.appending(name),
                    "\(name) is not supported by slipway render; write it as plain Ignition fields")
            }
            switch name {
            case "contents_local":
                let text = String(decoding: try readLocal(value, path: path.appending("contents")), as: UTF8.self)
                positions[path.appending("contents")] = ButaneConverter.position(value)
                members.append(JSONMember(key: "contents", value: .string(text)))
            case "ssh_authorized_keys_local":
                guard case .sequence(let files) = value else {
                    throw fail(value, path.appending(name), "expected a list of files")
                }
                for file in files {
                    let text = String(
                        decoding: try readLocal(file, path: path.appending("sshAuthorizedKeys")), as: UTF8.self)
                    extraKeys += text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                        !$0.isEmpty
                    }
                }
            default:
                let jsonKey = ButaneConverter.camelCase(name)
                let childPath = path.appending(jsonKey)
                let converted =
                    ButaneConverter.resourceKeys.contains(jsonKey)
                    ? try resource(value, path: childPath) : try convert(value, path: childPath, key: jsonKey)
                members.append(JSONMember(key: jsonKey, value: converted))
            }
        }
        if !extraKeys.isEmpty {
            if let index = members.firstIndex(where: { $0.key == "sshAuthorizedKeys" }),
                case .array(let keys) = members[index].value.value
            {
                members[index].value = JSONNode(.array(keys + extraKeys.map(JSONNode.string)))
            } else {
                members.append(JSONMember(key: "sshAuthorizedKeys", value: .array(extraKeys.map(JSONNode.string))))
            }
        }
        return JSONNode(.object(members))
    }

    /// A resource: `inline` and `local` become `data:` URLs; at most one of them or `source`.
    private mutating func resource(_ node: Node, path: JSONPath) throws(ButaneError) -> JSONNode {
        guard case .mapping(let mapping) = node else { return try convert(node, path: path, key: "") }
        var converted = try object(
            Node.Mapping(mapping.filter { $0.key.string != "inline" && $0.key.string != "local" }), path: path)
        var given: [String] = []
        if case .object(let members) = converted.value, members.contains(where: { $0.key == "source" }) {
            given.append("source")
        }
        for (keyNode, value) in mapping {
            guard let name = keyNode.string, name == "inline" || name == "local" else { continue }
            given.append(name)
            let bytes: [UInt8]
            if name == "inline" {
                guard let text = value.string else { throw fail(value, path.appending("inline"), "expected a string") }
                bytes = Array(text.utf8)
            } else {
                bytes = try readLocal(value, path: path.appending("source"))
            }
            positions[path.appending("source")] = ButaneConverter.position(value)
            if case .object(var members) = converted.value {
                members.insert(JSONMember(key: "source", value: .string(ButaneConverter.dataURL(bytes))), at: 0)
                converted = JSONNode(.object(members))
            }
        }
        if given.count > 1 {
            throw fail(node, path, "give only one of source, inline and local (found \(given.joined(separator: ", ")))")
        }
        return converted
    }

    /// The shorter of a percent-encoded and a base64 `data:` URL for `bytes`.
    static func dataURL(_ bytes: [UInt8]) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var escaped: [UInt8] = []
        for byte in bytes {
            if unreserved.contains(byte) {
                escaped.append(byte)
            } else {
                escaped += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            }
        }
        let plain = "data:," + String(decoding: escaped, as: UTF8.self)
        let encoded = "data:;base64," + Base64.encode(bytes)
        return encoded.count < plain.count ? encoded : plain
    }

    /// Reads a `local` file below the files directory.
    private func readLocal(_ node: Node, path: JSONPath) throws(ButaneError) -> [UInt8] {
        guard let relative = node.string else { throw fail(node, path, "expected a file name") }
        guard let directory = filesDirectory else {
            throw fail(node, path, "\"\(relative)\" is a local file: pass --files-dir to say where local files are")
        }
        let base = URL(fileURLWithPath: directory).standardizedFileURL
        let file = base.appendingPathComponent(relative).standardizedFileURL
        guard file.path.hasPrefix(base.path + "/") else {
            throw fail(node, path, "\"\(relative)\" is outside the files directory \(directory)")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw fail(node, path, "cannot read local file \(file.path)")
        }
        return Array(data)
    }

    /// A scalar typed like YAML: plain true/false, null/~, integers (0644 octal, 0o, 0x); else a string.
    static func scalar(_ scalar: Node.Scalar) -> JSONNode {
        let text = scalar.string
        guard scalar.style == .plain else { return .string(text) }
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "null", "Null", "NULL", "~", "": return JSONNode(.null)
        default: break
        }
        let negative = text.hasPrefix("-")
        let digits = negative || text.hasPrefix("+") ? String(text.dropFirst()) : text
        var value: Int?
        if digits.hasPrefix("0o") {
            value = Int(digits.dropFirst(2), radix: 8)
        } else if digits.hasPrefix("0x") {
            value = Int(digits.dropFirst(2), radix: 16)
        } else if digits.count > 1 && digits.hasPrefix("0") && digits.allSatisfy(\.isNumber) {
            value = Int(digits.dropFirst(), radix: 8)
        } else if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            value = Int(digits)
        }
        if let value { return .int(negative ? -value : value) }
        return .string(text)
    }
}
