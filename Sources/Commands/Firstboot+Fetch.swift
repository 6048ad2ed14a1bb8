// The CLI's resource fetcher: http:// through the same code the image uses, https:// through
// Foundation (the image has no TLS stack yet).
import FirstBoot
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fetches http:// with `StandardFetcher` and https:// with URLSession.
struct FoundationFetcher: ResourceFetcher {
    func get(_ url: String, headers: [(name: String, value: String)], timeouts: Timeouts) throws(FetchFailure)
        -> [UInt8]
    {
        guard url.lowercased().hasPrefix("https:") else {
            return try StandardFetcher().get(url, headers: headers, timeouts: timeouts)
        }
        guard let address = URL(string: url) else {
            throw FetchFailure("unable to parse url \"\(url)\"", permanent: true)
        }
        var request = URLRequest(url: address)
        request.timeoutInterval = Double(timeouts.httpResponseHeaders ?? 10)
        request.setValue("slipway-firstboot", forHTTPHeaderField: "User-Agent")
        for header in headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = box.get()
        if let error { throw FetchFailure(error.localizedDescription, permanent: false) }
        guard let response else { throw FetchFailure("no HTTP response", permanent: false) }
        switch response.statusCode {
        case 200..<300: return Array(data ?? Data())
        case 500..<600: throw FetchFailure("HTTP status \(response.statusCode)", permanent: false)
        default: throw FetchFailure("HTTP status \(response.statusCode)", permanent: true)
        }
    }
}

/// Carries a URLSession completion across threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)

    func set(data: Data?, response: HTTPURLResponse?, error: (any Error)?) {
        lock.lock()
        value = (data, response, error)
        lock.unlock()
    }

    func get() -> (Data?, HTTPURLResponse?, (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
