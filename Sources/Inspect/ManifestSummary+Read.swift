// Reading the manifest written beside an image. A missing manifest is normal (a disk assembled by
// hand); a damaged one is reported in the summary rather than failing the whole inspection.
import Foundation

extension ManifestSummary {
    /// The manifest path for an image: "out/NAME.img" → "out/NAME.manifest.json".
    static func path(forImage image: String) -> String {
        let url = URL(fileURLWithPath: image)
        let name = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(name + ".manifest.json").path
    }

    /// Reads the manifest at `path`; nil when there is no file.
    static func read(path: String) -> ManifestSummary? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var summary = ManifestSummary(path: path, outputs: [:])
        let object: [String: Any]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let top = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                summary.problem = "the top level is not a JSON object"
                return summary
            }
            object = top
        } catch {
            summary.problem = "not readable JSON: \(error.localizedDescription)"
            return summary
        }
        summary.tool = object["tool"] as? String
        if let profile = object["profile"] as? [String: Any] {
            summary.profile = profile["name"] as? String
            summary.profileDigest = profile["digest"] as? String
        }
        summary.sourceDateEpoch = (object["sourceDateEpoch"] as? NSNumber)?.int64Value
        summary.layers = (object["layers"] as? [Any])?.count
        summary.packages = (object["packages"] as? [Any])?.count
        for (role, value) in object["outputs"] as? [String: Any] ?? [:] {
            guard let record = value as? [String: Any], let file = record["file"] as? String else { continue }
            summary.outputs[role] = ManifestOutput(file: file, sha256: record["sha256"] as? String)
        }
        return summary
    }

    init(path: String, outputs: [String: ManifestOutput]) {
        self.init(
            path: path, tool: nil, profile: nil, profileDigest: nil, sourceDateEpoch: nil, layers: nil, packages: nil,
            outputs: outputs, problem: nil)
    }
}
