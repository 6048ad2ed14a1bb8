// The result record of a first boot, `/etc/.slipway-firstboot.json` in the configured root. The image
// writes it once the config was applied (or found to be missing, or failed) and reads it on every
// later boot: a record whose outcome is final means "done, do not apply again".
//
//   {
//     "version": 1,
//     "time": "2024-05-01T12:00:00Z",          wall clock of the machine when the record was written
//     "uptime": 6.52,                           seconds since boot at that moment
//     "outcome": "applied",                     applied | no-config | failed
//     "source": "qemu fw_cfg opt/com.coreos/config",
//     "digest": "sha256-<hex>",                 of the config bytes as the source gave them
//     "warnings": ["..."],
//     "error": "...",                           failed only: the console's error line
//     "kernelArguments": {"shouldExist": [...], "shouldNotExist": [...]}   as the config asked for them
//   }
import Hashing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What happened on the first boot of a machine.
public struct FirstBootRecord: Sendable, Equatable {
    /// How the first-boot step ended.
    public enum Outcome: String, Sendable {
        /// A config was found and applied.
        case applied
        /// No source had a config; nothing was changed.
        case noConfig = "no-config"
        /// The config could not be fetched, validated or applied; the boot stopped.
        case failed

        /// Whether a later boot must leave the machine alone. A failed first boot is tried again on the
        /// next boot (as Ignition does), so a machine never boots normally without its config.
        public var isFinal: Bool { self != .failed }
    }

    /// Where the record lives in the configured root.
    public static let path = "/etc/.slipway-firstboot.json"

    public var time: String
    public var uptime: Double?
    public var outcome: Outcome
    /// The config source's name; nil when no source had a config.
    public var source: String?
    /// `sha256-<hex>` of the config bytes; nil when there was no config.
    public var digest: String?
    public var warnings: [String]
    /// For a failed outcome: why.
    public var error: String?
    public var kernelArguments: KernelArguments

    public init(
        time: String, uptime: Double? = nil, outcome: Outcome, source: String? = nil, digest: String? = nil,
        warnings: [String] = [], error: String? = nil, kernelArguments: KernelArguments = KernelArguments()
    ) {
        self.time = time
        self.uptime = uptime
        self.outcome = outcome
        self.source = source
        self.digest = digest
        self.warnings = warnings
        self.error = error
        self.kernelArguments = kernelArguments
    }

    /// `sha256-<hex>` of `bytes`, the form the record (and Ignition's `verification.hash`) uses.
    public static func digest(of bytes: [UInt8]) -> String { "sha256-" + SHA256.hexDigest(bytes) }

    /// The current wall-clock time as RFC 3339 UTC (`2024-05-01T12:00:00Z`).
    public static func now() -> String {
        var seconds = Glibc.time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// The record as pretty-printed JSON with a final newline.
    public func serialized() -> String {
        var uptimeNode: JSONNode?
        if let uptime {
            // Milliseconds are plenty; JSON numbers keep their literal text.
            let milliseconds = Int((uptime * 1000).rounded())
            let fraction = String(milliseconds % 1000)
            uptimeNode = JSONNode(
                .number("\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"))
        }
        let hasArguments = !kernelArguments.shouldExist.isEmpty || !kernelArguments.shouldNotExist.isEmpty
        let node = JSONNode.object([
            ("version", .int(1)),
            ("time", .string(time)),
            ("uptime", uptimeNode),
            ("outcome", .string(outcome.rawValue)),
            ("source", source.map(JSONNode.string)),
            ("digest", digest.map(JSONNode.string)),
            ("warnings", .array(warnings.map(JSONNode.string))),
            ("error", error.map(JSONNode.string)),
            (
                "kernelArguments",
                hasArguments
                    ? .object([
                        ("shouldExist", .array(kernelArguments.shouldExist.map(JSONNode.string))),
                        ("shouldNotExist", .array(kernelArguments.shouldNotExist.map(JSONNode.string))),
                    ]) : nil
            ),
        ])
        return node.serialized()
    }

    /// Reads a record written by `serialized()`; throws when the bytes are not such a record.
    public init(parsing bytes: [UInt8], path: String = FirstBootRecord.path) throws(FirstBootError) {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw FirstBootError("read first-boot record", path, "invalid JSON: \(error.message)")
        }
        guard let outcomeText = root["outcome"]?.stringValue, let outcome = Outcome(rawValue: outcomeText) else {
            throw FirstBootError(
                "read first-boot record", path,
                "no valid \"outcome\" (expected applied, no-config or failed); delete the file to run first boot again")
        }
        func strings(_ node: JSONNode?) -> [String] {
            guard case .array(let elements)? = node?.value else { return [] }
            return elements.compactMap(\.stringValue)
        }
        var uptime: Double?
        if case .number(let text)? = root["uptime"]?.value { uptime = Double(text) }
        var arguments = KernelArguments()
        arguments.shouldExist = strings(root["kernelArguments"]?["shouldExist"])
        arguments.shouldNotExist = strings(root["kernelArguments"]?["shouldNotExist"])
        self.init(
            time: root["time"]?.stringValue ?? "", uptime: uptime, outcome: outcome,
            source: root["source"]?.stringValue, digest: root["digest"]?.stringValue,
            warnings: strings(root["warnings"]), error: root["error"]?.stringValue, kernelArguments: arguments)
    }
}
