import CurlClient
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A headless Chromium driven through chromedriver's W3C WebDriver protocol (JSON over HTTP on
/// loopback): open pages, type, pick files, click, accept confirmations, read the page and
/// take screenshots. Both run as child processes and end with ``quit()``.
public final class WebDriver: @unchecked Sendable {
    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"

    /// Whether Chromium and chromedriver are installed (deploy/install-deps.sh installs them).
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    private let driver: Process
    private let base: URL
    private let session: String

    public init(width: Int = 1366, height: Int = 768) async throws {
        let port = try Self.freePort()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        let base = URL(string: "http://127.0.0.1:\(port)")!
        self.base = base
        nonisolated(unsafe) var lastError: (any Error)?
        let ready = try await eventually(15) {
            do {
                _ = try await Self.send("GET", base.appendingPathComponent("status"), nil)
                return true
            } catch {
                lastError = error
                return false
            }
        }
        guard ready else {
            driver.terminate()
            throw NodeProcessError("chromedriver did not answer on port \(port): \(lastError.map { String(describing: $0) } ?? "?")")
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": Self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                         "--window-size=\(width),\(height)", "--hide-scrollbars"],
            ],
        ]]]
        let created = try await Self.send("POST", base.appendingPathComponent("session"), capabilities)
        guard let id = (created as? [String: Any])?["sessionId"] as? String else {
            driver.terminate()
            throw NodeProcessError("chromedriver gave no session: \(String(describing: created))")
        }
        session = id
        // Finding an element waits for it, up to 5 s: a click that posts a form returns before
        // the next page has loaded.
        try await command("POST", "timeouts", ["implicit": 5000])
    }

    /// Ends the browser and chromedriver.
    public func quit() async {
        _ = try? await command("DELETE", "")
        driver.terminate()
        // A child of the test process may inherit a blocked SIGTERM; and Foundation's
        // waitUntilExit spins a CPU while it waits. Give chromedriver 3 s, then SIGKILL.
        for _ in 0..<30 where driver.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if driver.isRunning { Glibc.kill(driver.processIdentifier, SIGKILL) }
        while driver.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    public func open(_ url: URL) async throws {
        try await command("POST", "url", ["url": url.absoluteString])
    }

    public func currentURL() async throws -> String {
        try await command("GET", "url") as? String ?? ""
    }

    /// The page's HTML as the browser holds it now.
    public func source() async throws -> String {
        try await command("GET", "source") as? String ?? ""
    }

    /// The visible text of the page.
    public func text() async throws -> String {
        try await execute("return document.body.innerText") as? String ?? ""
    }

    @discardableResult
    public func execute(_ script: String) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": [Any]()])
    }

    /// The element matching a CSS selector; throws when there is none.
    public func element(_ selector: String) async throws -> String {
        let found = try await command("POST", "element", ["using": "css selector", "value": selector])
        guard let id = (found as? [String: Any])?.first(where: { $0.key.hasPrefix("element-") })?.value as? String else {
            throw NodeProcessError("no element \(selector) on \(try await currentURL())")
        }
        return id
    }

    /// Like ``element(_:)``, but the error names the page and what it says.
    func require(_ selector: String) async throws -> String {
        do {
            return try await element(selector)
        } catch {
            let text = (try? await text()) ?? ""
            throw NodeProcessError("no element \(selector) on \((try? await currentURL()) ?? "?"): \(text.prefix(400))")
        }
    }

    /// Types into a field; for `<input type=file>`, the text is a local file path.
    public func type(_ selector: String, _ text: String) async throws {
        let id = try await require(selector)
        try await command("POST", "element/\(id)/value", ["text": text])
    }

    public func click(_ selector: String) async throws {
        let id = try await require(selector)
        try await command("POST", "element/\(id)/click", [String: Any]())
    }

    /// Clicks a button whose form asks for confirmation, and confirms.
    public func clickAndConfirm(_ selector: String) async throws -> String {
        try await click(selector)
        let message = try await command("GET", "alert/text") as? String ?? ""
        try await command("POST", "alert/accept", [String: Any]())
        return message
    }

    public func deleteCookies() async throws {
        try await command("DELETE", "cookie")
    }

    /// A PNG of the whole page (the window is stretched to the page's height for the shot).
    public func screenshot(to file: URL, width: Int = 1366) async throws {
        let height = try await execute("return Math.max(document.body.scrollHeight, 768)") as? Int ?? 768
        try await command("POST", "window/rect", ["width": width, "height": min(height + 140, 6000)])
        let base64 = try await command("GET", "screenshot") as? String ?? ""
        guard let png = Data(base64Encoded: base64) else { throw NodeProcessError("screenshot was not base64") }
        try png.write(to: file)
        try await command("POST", "window/rect", ["width": width, "height": 768])
    }

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var url = base.appendingPathComponent("session").appendingPathComponent(session)
        if !path.isEmpty { url = url.appendingPathComponent(path) }
        return try await Self.send(method, url, body)
    }

    /// libcurl, not URLSession: FoundationNetworking fails on chromedriver's responses
    /// ("Failed writing header").
    private static let client = CurlHTTPClient()

    private static func send(_ method: String, _ url: URL, _ body: [String: Any]?) async throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await client.send(HTTPClientRequest(method: method, url: url.absoluteString,
                                                               headers: payload == nil ? [] : [("Content-Type", "application/json")], body: payload))
        let data = response.body
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard response.status == 200 else {
            let error = (json?["value"] as? [String: Any]).map { "\($0["error"] ?? ""): \($0["message"] ?? "")" } ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw NodeProcessError("WebDriver \(method) \(url.path): \(error)")
        }
        return json?["value"] ?? nil
    }

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NodeProcessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw NodeProcessError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
