// A small HTTP/1.1 server on 127.0.0.1 for fetch tests and the fake cloud metadata services of the
// boot tests. Each connection gets one response from `handler`; requests are recorded for assertions.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public final class TestHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)] = []
        public var body: [UInt8] = []
        /// Send the body with chunked transfer encoding.
        public var chunked = false

        public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], chunked: Bool = false) {
            self.status = status
            self.headers = headers
            self.body = body
            self.chunked = chunked
        }

        public static func ok(_ body: String) -> Response { Response(status: 200, body: Array(body.utf8)) }
        public static func ok(_ body: [UInt8]) -> Response { Response(status: 200, body: body) }
        public static func status(_ status: Int, _ body: String = "") -> Response {
            Response(status: status, body: Array(body.utf8))
        }
    }

    public let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let handler: @Sendable (Request, Int) -> Response

    /// Serves on a free port of 127.0.0.1, answering each request with `handler`.
    public convenience init(handler: @escaping @Sendable (Request) -> Response) throws {
        try self.init { request, _ in handler(request) }
    }

    /// Like `init(handler:)`, with the server's port passed to `handler` for answers that link back
    /// to the server.
    public init(handler: @escaping @Sendable (Request, _ port: Int) -> Response) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        fd = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return }
            buffer += chunk[0..<count]
            headerEnd = buffer.indices.dropLast(3).first { buffer[$0..<$0 + 4] == [13, 10, 13, 10] }
        }
        guard let end = headerEnd else { return }
        let head = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(buffer[(end + 4)...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { break }
            body += chunk[0..<count]
        }
        let request = Request(
            method: requestLine.first.map(String.init) ?? "",
            path: requestLine.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: body)
        lock.lock()
        recorded.append(request)
        lock.unlock()
        let response = handler(request, port)
        var text = "HTTP/1.1 \(response.status) Status\r\nConnection: close\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        var payload: [UInt8]
        if response.chunked {
            text += "Transfer-Encoding: chunked\r\n\r\n"
            payload = Array(text.utf8)
            var offset = 0
            while offset < response.body.count {
                let piece = response.body[offset..<min(offset + 7, response.body.count)]
                payload += Array((String(piece.count, radix: 16) + ";ext=1\r\n").utf8) + piece + [13, 10]
                offset += piece.count
            }
            payload += Array("0\r\n\r\n".utf8)
        } else {
            text += "Content-Length: \(response.body.count)\r\n\r\n"
            payload = Array(text.utf8) + response.body
        }
        var sent = 0
        while sent < payload.count {
            let count = payload[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            sent += count
        }
    }
}
