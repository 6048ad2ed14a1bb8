// Loading the initrd's kernel modules. The image builder computed the dependency closure and wrote
// the module files' paths to /etc/slipway/modules in load order, so each module finds the symbols it
// needs already loaded; no modules.dep or modprobe is needed here.
import CLinux
import Glibc

enum ModuleLoader {
    static let listPath = "/etc/slipway/modules"

    /// Loads every module listed in /etc/slipway/modules; returns their names in load order.
    static func loadListed() throws -> [String] {
        guard System.exists(listPath) else { return [] }
        let release = System.kernelRelease()
        var loaded: [String] = []
        for line in try System.readText(listPath).split(separator: "\n") {
            let entry = line.trimmingSpaces
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            let path = entry.hasPrefix("/") ? entry : "/lib/modules/\(release)/\(entry)"
            try load(path)
            loaded.append(moduleName(path))
        }
        return loaded
    }

    /// finit_module(2) on `path`; a module that is already loaded counts as loaded.
    static func load(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InitrdError("load module \(path): open: \(System.reason())") }
        defer { close(fd) }
        if slipway_finit_module(fd, "", 0) != 0 && errno != EEXIST {
            let code = errno
            let hint =
                code == ENOEXEC || code == EINVAL
                ? " (built for another kernel? the initrd must come from the same kernel package as vmlinuz)" : ""
            throw InitrdError("load module \(path): finit_module: \(System.reason(code))\(hint)")
        }
    }

    private static func moduleName(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(".ko") ? String(base.dropLast(3)) : base
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(
            drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                .reversed())
    }
}
