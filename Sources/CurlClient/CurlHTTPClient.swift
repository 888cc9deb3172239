internal import CCurl
public import Foundation
import Synchronization

/// A small async HTTP client on libcurl, for node-to-node calls and for `reviewctl` talking to a
/// running node. TLS verification is on unless a configuration turns it off; connections are
/// reused (each pooled easy handle keeps its connection cache); responses are size-limited.
public final class CurlHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Whole-transfer timeout, seconds.
        public var timeout: Double = 30
        /// Connect timeout, seconds.
        public var connectTimeout: Double = 5
        /// Verify the server's certificate and host name (keep on outside tests on loopback).
        public var verifyTLS: Bool = true
        /// A PEM bundle of private CAs to trust instead of the system's.
        public var caFile: String?
        /// Largest response body accepted, in bytes.
        public var maxResponseBytes: Int = 64 * 1024 * 1024

        public init() {}
    }

    private let configuration: Configuration
    private let idle = Mutex<[EasyHandle]>([])

    public init(configuration: Configuration = Configuration()) {
        _ = Self.globalInit
        self.configuration = configuration
    }

    deinit {
        idle.withLock { handles in handles.removeAll() }
    }

    /// curl_global_init, once per process.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// Sends one request. Blocking libcurl work runs on a Dispatch worker thread.
    /// - Throws: ``CurlClientError`` naming the URL and what failed (connect, timeout, TLS, size).
    public func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let handle = idle.withLock { $0.popLast() } ?? EasyHandle()
        let configuration = self.configuration
        let result: Result<HTTPClientResponse, CurlClientError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: handle.perform(request, configuration: configuration))
            }
        }
        idle.withLock { handles in if handles.count < 16 { handles.append(handle) } }
        return try result.get()
    }
}

/// An HTTP request for ``CurlHTTPClient``.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The status and body of a response.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var body: Data
}

/// What went wrong with a request, in one line: the URL, libcurl's error and its detail.
public struct CurlClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case connect
        case timeout
        case tls
        case responseTooLarge
        case other
    }

    public let kind: Kind
    public let url: String
    public let message: String

    public var description: String { "\(url): \(message)" }
}

/// One libcurl easy handle; used by one thread at a time (taken from the pool, used, put
/// back), which is what makes the unchecked Sendable sound.
final class EasyHandle: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer?

    init() {
        handle = curl_easy_init()
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    func perform(_ request: HTTPClientRequest, configuration: CurlHTTPClient.Configuration) -> Result<HTTPClientResponse, CurlClientError> {
        guard let handle else { return .failure(CurlClientError(kind: .other, url: request.url, message: "curl_easy_init failed")) }
        curl_easy_reset(handle)
        let sink = ResponseSink(limit: configuration.maxResponseBytes)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0)
        if let caFile = configuration.caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_setopt_write_function(handle, curlWrite)
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        if let body = request.body {
            ccurl_setopt_long(handle, CURLOPT_POST, 1)
            ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, so no Swift buffer has to outlive this call.
            body.withUnsafeBytes { bytes in
                _ = ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        } else if request.method == "GET" {
            ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        }
        var headers: UnsafeMutablePointer<curl_slist>?
        // No `Expect: 100-continue` round trip for bodies over 1 KiB.
        for line in request.headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] {
            headers = curl_slist_append(headers, line)
        }
        defer { curl_slist_free_all(headers) }
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            let code = curl_easy_perform(handle)
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            return code
        }
        guard code == CURLE_OK else {
            if sink.exceeded {
                return .failure(CurlClientError(kind: .responseTooLarge, url: request.url, message: "response larger than \(configuration.maxResponseBytes) bytes"))
            }
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let summary = String(cString: curl_easy_strerror(code))
            let kind: CurlClientError.Kind = switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .connect
            case CURLE_OPERATION_TIMEDOUT: .timeout
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: .tls
            default: .other
            }
            return .failure(CurlClientError(kind: kind, url: request.url, message: detail.isEmpty ? summary : "\(summary): \(detail)"))
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPClientResponse(status: status, body: sink.data))
    }
}

/// Collects a response body up to a limit; the write callback's context.
final class ResponseSink {
    var data = Data()
    let limit: Int
    var exceeded = false

    init(limit: Int) {
        self.limit = limit
    }
}

/// libcurl's write callback: a C function, so no captures; the sink comes through WRITEDATA.
private func curlWrite(_ pointer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let pointer, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    if sink.data.count + length > sink.limit {
        sink.exceeded = true
        return 0
    }
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) { sink.data.append($0, count: length) }
    return length
}
