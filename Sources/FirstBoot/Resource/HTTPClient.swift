// A minimal HTTP/1.1 client over POSIX sockets, enough for config sources and http(s):// resources:
// one request per connection (`Connection: close`), Content-Length, chunked and read-to-close
// bodies, a deadline for the response headers and one for the whole exchange. https:// goes
// through a verified TLS session (TLSConnection) on the same socket.
public import TLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One HTTP request.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [])
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Sends HTTP/1.1 requests over TCP, or TLS for https://.
public struct HTTPClient: Sendable {
    /// Seconds to wait for the response headers (Ignition's `httpResponseHeaders`, default 10); the
    /// TLS handshake has as long again.
    public var responseHeaderTimeout: Double
    /// Upper bound on a response body, to refuse absurd resources.
    public var maximumBodySize: Int
    /// The certificate authorities https:// servers are verified against.
    public var trust: TLSTrust

    /// The `FirstBootError.operation` of a server certificate that was not accepted: retrying does
    /// not help, the config or the server must change.
    public static let certificateOperation = "verify certificate"

    public init(
        responseHeaderTimeout: Double = 10, maximumBodySize: Int = 1 << 30,
        trust: TLSTrust = TLSTrust(system: .openSSLDefaults)
    ) {
        self.responseHeaderTimeout = responseHeaderTimeout
        self.maximumBodySize = maximumBodySize
        self.trust = trust
    }

    /// Sends `request` once (no retries, no redirects) and returns the response.
    public func send(_ request: HTTPRequest) throws(FirstBootError) -> HTTPResponse {
        guard let url = ResourceURL(request.url), url.scheme == "http" || url.scheme == "https" else {
            throw FirstBootError("fetch", request.url, "not an http:// or https:// URL")
        }
        let secure = url.scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let socket = try Socket.connect(
            host: url.hostname, port: port, timeout: responseHeaderTimeout, subject: request.url)
        defer { socket.close() }
        let stream: any ByteStream =
            secure
            ? try TLSConnection(
                socket: socket, host: url.hostname, trust: trust, deadline: Clock.now + responseHeaderTimeout,
                subject: request.url)
            : socket
        var target = url.rawPath.isEmpty ? "/" : url.rawPath
        if let query = url.rawQuery { target += "?" + query }
        var head = "\(request.method) \(target) HTTP/1.1\r\nHost: \(url.host)\r\n"
        let names = Set(request.headers.map { $0.name.lowercased() })
        if !names.contains("user-agent") { head += "User-Agent: slipway-firstboot\r\n" }
        if !names.contains("accept") { head += "Accept: */*\r\n" }
        for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
        if !request.body.isEmpty || request.method == "PUT" || request.method == "POST" {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        try stream.send(Array(head.utf8) + request.body, subject: request.url)
        var reader = ResponseReader(stream: stream, subject: request.url, limit: maximumBodySize)
        return try reader.read(deadline: Clock.now + responseHeaderTimeout, method: request.method)
    }
}

/// Monotonic seconds.
enum Clock {
    static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

/// Bytes to and from a server: a plain socket or a TLS session on one.
protocol ByteStream: AnyObject {
    func send(_ bytes: [UInt8], subject: String) throws(FirstBootError)
    /// Reads what is available; an empty result means the peer closed the connection.
    func receive(until deadline: Double, subject: String) throws(FirstBootError) -> [UInt8]
}

/// A connected TCP socket with deadlines.
final class Socket: ByteStream {
    let fd: Int32
    /// Seconds a send may wait for the peer.
    let timeout: Double

    private init(fd: Int32, timeout: Double) {
        self.fd = fd
        self.timeout = timeout
    }

    func close() { _ = Glibc.close(fd) }

    static func connect(host: String, port: Int, timeout: Double, subject: String) throws(FirstBootError) -> Socket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw FirstBootError(
                "fetch", subject, "cannot resolve host \"\(host)\": \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 {
                lastError = errno
                continue
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&poller, 1, Int32(max(1, timeout * 1000))) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    result = error == 0 ? 0 : -1
                    errno = error
                } else {
                    errno = ETIMEDOUT
                    result = -1
                }
            }
            if result == 0 { return Socket(fd: fd, timeout: timeout) }
            lastError = errno
            _ = Glibc.close(fd)
        }
        throw FirstBootError(
            "fetch", subject, "cannot connect to \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    func send(_ bytes: [UInt8], subject: String) throws(FirstBootError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    try wait(events: Int16(POLLOUT), until: Clock.now + timeout, subject: subject)
                    continue
                }
                if errno == EINTR { continue }
                throw FirstBootError("fetch", subject, "cannot send request: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Reads up to 64 KiB; an empty result means the peer closed the connection.
    func receive(until deadline: Double, subject: String) throws(FirstBootError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw FirstBootError("fetch", subject, "cannot read response: \(String(cString: strerror(errno)))")
            }
            try wait(events: Int16(POLLIN), until: deadline, subject: subject)
        }
    }

    private func wait(events: Int16, until deadline: Double, subject: String) throws(FirstBootError) {
        let remaining = deadline - Clock.now
        var poller = pollfd(fd: fd, events: events, revents: 0)
        guard remaining > 0, poll(&poller, 1, Int32(max(1, remaining * 1000))) > 0 else {
            throw FirstBootError("fetch", subject, "timed out waiting for the server")
        }
    }
}

/// Parses a response from a stream.
private struct ResponseReader {
    let stream: any ByteStream
    let subject: String
    let limit: Int
    var buffer: [UInt8] = []
    var closed = false

    init(stream: any ByteStream, subject: String, limit: Int) {
        self.stream = stream
        self.subject = subject
        self.limit = limit
    }

    private mutating func fill(until deadline: Double) throws(FirstBootError) {
        let chunk = try stream.receive(until: deadline, subject: subject)
        if chunk.isEmpty { closed = true }
        buffer += chunk
        if buffer.count > limit + 65536 {
            throw FirstBootError("fetch", subject, "response larger than \(limit) bytes")
        }
    }

    private mutating func line(until deadline: Double) throws(FirstBootError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0a) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == 0x0d { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if closed { throw FirstBootError("fetch", subject, "connection closed in the middle of the response") }
            try fill(until: deadline)
        }
    }

    private mutating func bytes(_ count: Int, until deadline: Double) throws(FirstBootError) -> [UInt8] {
        while buffer.count < count {
            if closed { throw FirstBootError("fetch", subject, "connection closed before the whole body arrived") }
            try fill(until: deadline)
        }
        let result = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return result
    }

    mutating func read(deadline headerDeadline: Double, method: String) throws(FirstBootError) -> HTTPResponse {
        let statusLine = try line(until: headerDeadline)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw FirstBootError("fetch", subject, "not an HTTP response: \"\(statusLine.prefix(80))\"")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let header = try line(until: headerDeadline)
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { continue }
            let name = String(header[..<colon])
            let value = String(header[header.index(after: colon)...]).trimmingSpaces
            headers.append((name, value))
        }
        var response = HTTPResponse(status: status, headers: headers, body: [])
        // The body may trickle in; allow a generous time once the headers are there.
        let bodyDeadline = Clock.now + 600
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) { return response }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try line(until: bodyDeadline)
                let sizeText = sizeLine.split(separator: ";", maxSplits: 1).first.map(String.init)?.trimmingSpaces ?? ""
                guard let size = Int(sizeText, radix: 16), size >= 0 else {
                    throw FirstBootError("fetch", subject, "malformed chunked body")
                }
                if size == 0 { break }
                guard response.body.count + size <= limit else {
                    throw FirstBootError("fetch", subject, "response larger than \(limit) bytes")
                }
                response.body += try bytes(size, until: bodyDeadline)
                _ = try line(until: bodyDeadline)
            }
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0, length <= limit else {
                throw FirstBootError("fetch", subject, "bad or too large Content-Length \"\(lengthText)\"")
            }
            response.body = try bytes(length, until: bodyDeadline)
        } else {
            while !closed { try fill(until: bodyDeadline) }
            response.body = buffer
            buffer = []
        }
        return response
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
