import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A client end of QEMU's QMP socket: JSON objects, one per line, in both directions.
///
/// Reads happen on one thread (the machine's monitor thread); writes may come from any thread.
final class MonitorConnection: @unchecked Sendable {
    private let descriptor: Int32
    private let writeLock = NSLock()
    private var buffer: [UInt8] = []
    private var closed = false

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { Glibc.close(descriptor) }

    /// Connects to the Unix socket at `path`; returns nil while nothing listens there yet.
    static func connect(path: String) throws(RunnerError) -> MonitorConnection? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw RunnerError(
                .invalidConfiguration, operation: "connect to the QEMU monitor", subject: path,
                message: "the socket path is longer than \(capacity - 1) bytes; set TMPDIR to a shorter directory")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        // Close-on-exec: a QEMU started later by this process must not hold our end open.
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_UNIX, socketType, 0)
        guard descriptor >= 0 else {
            throw RunnerError(
                .io, operation: "connect to the QEMU monitor", subject: path, message: String(cString: strerror(errno)))
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            return nil
        }
        return MonitorConnection(descriptor: descriptor)
    }

    /// Sends one command; false once the connection is gone.
    @discardableResult
    func execute(_ command: String, id: String, arguments: [String: String]? = nil) -> Bool {
        var object: [String: Any] = ["execute": command, "id": id]
        if let arguments { object["arguments"] = arguments }
        guard var data = try? JSONSerialization.data(withJSONObject: object) else { return false }
        data.append(UInt8(ascii: "\n"))
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !closed else { return false }
        return data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = send(
                    descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    /// The next message, decoded; nil at end of stream (QEMU exited or the socket was shut down).
    func nextMessage() -> [String: Any]? {
        while true {
            guard let line = readLine() else { return nil }
            if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] {
                return object
            }
        }
    }

    private func readLine() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffer += chunk[..<count]
        }
    }

    /// Ends the conversation: a blocked reader sees end of stream. The descriptor itself is released in
    /// `deinit`, once no thread can be reading it, so its number cannot be reused under a reader.
    func close() {
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !closed else { return }
        closed = true
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}
