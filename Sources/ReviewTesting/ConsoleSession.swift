public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A signed-in browser, without the browser: the session cookie, the CSRF token read from the
/// last page, form posts (URL-encoded or multipart) and no automatic redirects, so that tests
/// see each 303 and where it leads.
public final class ConsoleSession: @unchecked Sendable {
    public let baseURL: URL
    public private(set) var cookie: String?
    public private(set) var csrf: String?
    private let session: URLSession
    private let lock = NSLock()
    private let timeout: TimeInterval

    /// - Parameter timeout: seconds a request may wait for an answer (30 unless given).
    public init(baseURL: URL, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = max(60, timeout)
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// Signs in with an API token; throws unless the node answers with a session cookie.
    public static func signIn(_ baseURL: URL, token: String, timeout: TimeInterval = 30) async throws -> ConsoleSession {
        let browser = ConsoleSession(baseURL: baseURL, timeout: timeout)
        let result = try await browser.post("/console/login", ["token": token], csrf: false)
        guard result.status == 303, browser.cookie != nil else { throw NodeProcessError("sign-in failed: \(result.status) \(result.text.prefix(300))") }
        return browser
    }

    public func get(_ path: String) async throws -> HTTPResult {
        try await send(request("GET", path))
    }

    /// A URL-encoded form post; the page's CSRF token is added unless `csrf` is false.
    public func post(_ path: String, _ fields: KeyValuePairs<String, String>, csrf: Bool = true) async throws -> HTTPResult {
        try await post(path, fields.map { ($0.key, $0.value) }, csrf: csrf)
    }

    public func post(_ path: String, _ fields: [(String, String)], csrf: Bool = true) async throws -> HTTPResult {
        var all = fields
        if csrf, let token = self.csrf { all.append(("csrf", token)) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = all.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        var request = request("POST", path)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        return try await send(request)
    }

    /// A multipart post: fields and files (field name, file name, bytes).
    public func postMultipart(_ path: String, fields: [(String, String)], files: [(String, String, Data)]) async throws -> HTTPResult {
        let boundary = "----review-test-\(UUID().uuidString)"
        var body = Data()
        var all = fields
        if let csrf { all.append(("csrf", csrf)) }
        for (name, value) in all {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (name, fileName, data) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var request = request("POST", path)
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        return try await send(request)
    }

    private func request(_ method: String, _ path: String) -> URLRequest {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let cookie = lock.withLock({ cookie }) { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        return request
    }

    private func send(_ request: URLRequest) async throws -> HTTPResult {
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw NodeProcessError("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        let result = HTTPResult(status: http.statusCode, data: data, headers: fields)
        lock.withLock {
            if let setCookie = fields["set-cookie"], let pair = setCookie.split(separator: ";").first {
                cookie = pair.hasSuffix("=") ? nil : String(pair)
            }
            if let token = Self.csrfToken(in: result.text) { csrf = token }
        }
        return result
    }

    /// The value of the hidden field `name` in a page, unescaped as a browser would send it.
    public static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The `csrf` hidden field's value in a page.
    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Hands every redirect back to the test instead of following it.
    private final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}
