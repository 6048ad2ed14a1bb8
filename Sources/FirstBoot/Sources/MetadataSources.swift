// Cloud metadata services and the OpenStack config drive. Endpoints are parameters so tests can
// point them at a server on 127.0.0.1; the image uses the link-local defaults. A 404 means the
// instance has no user data (try the next source), except on Azure; transport failures and 5xx
// answers are retried until a deadline, because the network may still be coming up when first boot
// runs; any other status stops the boot at once.

/// Retrying GET/PUT against a metadata service.
struct MetadataClient: Sendable {
    var totalSeconds: Double
    var responseHeaderTimeout: Double = 5
    /// Statuses that mean "no user data": the source yields nil.
    var absent: Set<Int> = [404]
    /// Statuses below 500 that are retried like a 5xx (a service that is still starting or throttling).
    var retried: Set<Int> = []

    /// The body of a 2xx response, nil for an `absent` status, an error for other statuses (for
    /// 5xx and `retried` ones once time is up).
    func request(_ request: HTTPRequest, subject: String) throws(FirstBootError) -> [UInt8]? {
        let start = Clock.now
        var delay = 0.1
        var lastError = FirstBootError("fetch", subject, "no attempt made")
        while true {
            // A transport failure or a 5xx answer is worth another try; any other status ends the
            // retries at once (decided from the response, not read back from a message's text).
            var final: FirstBootError?
            do throws(FirstBootError) {
                let response = try HTTPClient(responseHeaderTimeout: responseHeaderTimeout).send(request)
                let failure = FirstBootError("fetch", subject, "\(request.url): HTTP status \(response.status)")
                switch response.status {
                case 200..<300: return response.body
                case let status where absent.contains(status): return nil
                case let status where retried.contains(status) || (500..<600).contains(status): lastError = failure
                default: final = failure
                }
            } catch {
                lastError = error
            }
            if let final { throw final }
            if Clock.now - start + delay > totalSeconds { throw lastError }
            Clock.sleep(seconds: delay)
            delay = min(delay * 2, 5)
        }
    }
}

/// AWS EC2 user data through IMDSv2: a session token from PUT /latest/api/token, then
/// GET /latest/user-data with that token.
public struct EC2Source: ConfigSource {
    public var endpoint: String
    public var totalSeconds: Double
    public var name: String { "EC2 instance metadata (IMDSv2) user-data" }

    public init(endpoint: String = "http://169.254.169.254", totalSeconds: Double = 120) {
        self.endpoint = endpoint
        self.totalSeconds = totalSeconds
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        let client = MetadataClient(totalSeconds: totalSeconds)
        let tokenRequest = HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token",
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
        guard let token = try client.request(tokenRequest, subject: name) else {
            throw FirstBootError("fetch", name, "the metadata service gave no IMDSv2 token (is this EC2?)")
        }
        let tokenText = String(decoding: token, as: UTF8.self).trimmingSpaces
        let userData = HTTPRequest(
            url: endpoint + "/latest/user-data", headers: [("X-aws-ec2-metadata-token", tokenText)])
        return try client.request(userData, subject: name)
    }
}

/// Google Compute Engine: the `user-data` instance attribute.
public struct GCESource: ConfigSource {
    public var endpoint: String
    public var totalSeconds: Double
    public var name: String { "GCE metadata instance/attributes/user-data" }

    public init(endpoint: String = "http://169.254.169.254", totalSeconds: Double = 120) {
        self.endpoint = endpoint
        self.totalSeconds = totalSeconds
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        let request = HTTPRequest(
            url: endpoint + "/computeMetadata/v1/instance/attributes/user-data",
            headers: [("Metadata-Flavor", "Google")])
        return try MetadataClient(totalSeconds: totalSeconds).request(request, subject: name)
    }
}

/// Azure: the VM's `userData` from the Instance Metadata Service, which returns it base64-encoded as
/// it was given (`az vm create --user-data FILE` encodes the file). An empty answer is no user data.
public struct AzureSource: ConfigSource {
    public var endpoint: String
    public var totalSeconds: Double
    public var name: String { "Azure IMDS instance/compute/userData" }

    public init(endpoint: String = "http://169.254.169.254", totalSeconds: Double = 120) {
        self.endpoint = endpoint
        self.totalSeconds = totalSeconds
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        let request = HTTPRequest(
            url: endpoint + "/metadata/instance/compute/userData?api-version=2021-01-01&format=text",
            headers: [("Metadata", "true")])
        // IMDS answers 404 and 410 while the VM's metadata is not there yet and 429 when it throttles
        // (five requests a second): all are retried, and userData itself is always there, empty when unset.
        let client = MetadataClient(totalSeconds: totalSeconds, absent: [], retried: [404, 410, 429])
        guard let body = try client.request(request, subject: name) else { return nil }
        // Wrapped base64 has line breaks, which are not part of the data.
        let text = body.filter { !isBlank($0) }
        if text.isEmpty { return nil }
        guard let config = Base64.decode(text) else {
            throw FirstBootError(
                "fetch", name,
                "the userData is not base64 (\(Self.base64Problem(body))); IMDS returns user data base64-encoded, "
                    + "so give Azure the config itself (az vm create --user-data config.ign encodes it)")
        }
        return config
    }

    /// Where `body` stops being padded base64 (line breaks aside), for the error message.
    static func base64Problem(_ body: [UInt8]) -> String {
        if let index = body.firstIndex(where: { !Base64.isAlphabet($0) && !isBlank($0) }) {
            let byte = body[index]
            let shown = byte >= 0x20 && byte < 0x7f ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte \(byte)"
            return "\(shown) at offset \(index) is not a base64 character"
        }
        let count = body.filter { !isBlank($0) }.count
        if count % 4 != 0 { return "\(count) characters, not a multiple of 4" }
        return "\"=\" padding before the end"
    }
}

/// DigitalOcean: the droplet's `user-data` from its metadata service; 404 or an empty answer is none.
public struct DigitalOceanSource: ConfigSource {
    public var endpoint: String
    public var totalSeconds: Double
    public var name: String { "DigitalOcean metadata v1/user-data" }

    public init(endpoint: String = "http://169.254.169.254", totalSeconds: Double = 120) {
        self.endpoint = endpoint
        self.totalSeconds = totalSeconds
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        let body = try MetadataClient(totalSeconds: totalSeconds).request(
            HTTPRequest(url: endpoint + "/metadata/v1/user-data"), subject: name)
        guard let body, !body.allSatisfy(isBlank) else { return nil }
        return body
    }
}

/// OpenStack's metadata service.
public struct OpenStackMetadataSource: ConfigSource {
    public var endpoint: String
    public var totalSeconds: Double
    public var name: String { "OpenStack metadata service openstack/latest/user_data" }

    public init(endpoint: String = "http://169.254.169.254", totalSeconds: Double = 120) {
        self.endpoint = endpoint
        self.totalSeconds = totalSeconds
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        try MetadataClient(totalSeconds: totalSeconds).request(
            HTTPRequest(url: endpoint + "/openstack/latest/user_data"), subject: name)
    }
}

/// OpenStack's config drive (a filesystem labelled `config-2`), already mounted by the caller.
public struct OpenStackConfigDriveSource: ConfigSource {
    /// Where the config drive is mounted.
    public var mountPoint: String
    public var name: String { "OpenStack config drive openstack/latest/user_data" }

    public init(mountPoint: String) { self.mountPoint = mountPoint }

    /// The device of a config drive, found by its filesystem label through udev's links.
    public static func device(byLabelDirectory: String = "/dev/disk/by-label") -> String? {
        let root = RootDirectory("/")
        for label in ["config-2", "CONFIG-2"] {
            let path = byLabelDirectory + "/" + label
            if root.status(path) != nil { return path }
        }
        return nil
    }

    public func fetch() throws(FirstBootError) -> [UInt8]? {
        try FileConfigSource(name: name, path: mountPoint + "/openstack/latest/user_data").fetch()
    }
}
