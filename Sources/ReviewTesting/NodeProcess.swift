public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `county-node` or `city-node` process on an ephemeral loopback port, with its own
/// data directory, for integration tests. Stop it (or let `deinit` kill it) afterwards.
public final class NodeProcess {
    public let tier: String
    public let nodeId: String
    public let dataDirectory: URL
    public let configFile: URL
    public private(set) var port: Int = 0
    private var process: Process?
    /// The pinned date (`REVIEW_TODAY`) for the next ``start()``.
    public var today: String?
    /// Extra environment variables for the node process.
    public var environment: [String: String] = [:]

    /// The folder holding the built executables (beside the test bundle).
    public static let binaries: URL = {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("reviewctl").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()

    /// Writes a node configuration into a fresh temporary data directory and starts the node.
    /// - Parameter today: pins the node's date (`REVIEW_TODAY`), so deadlines are predictable.
    public init(tier: String, nodeId: String, name: String, today: String? = nil, opinionPrefix: String = "长政数标审",
                retryMaxSeconds: Double = 0.5, dataDirectory: URL? = nil, configuration extra: [String: Any] = [:],
                environment: [String: String] = [:]) throws {
        self.tier = tier
        self.nodeId = nodeId
        self.today = today
        self.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("node-\(nodeId)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.dataDirectory, withIntermediateDirectories: true)
        configFile = self.dataDirectory.appendingPathComponent("node.json")
        let config: [String: Any] = [
            "nodeId": nodeId, "name": name, "tier": tier, "host": "127.0.0.1", "port": 0,
            "dataDirectory": self.dataDirectory.path, "configDirectory": Fixtures.configDirectory.path,
            "logLevel": "info", "opinionPrefix": opinionPrefix, "durability": "full", "retryMaxSeconds": retryMaxSeconds,
            // Counties report their ledgers to the city hourly in tests (tests that count messages
            // stay exact); a test of the reports sets a short interval.
            "countyReportSeconds": 3600,
        ].merging(extra) { $1 }
        self.environment = environment
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: configFile)
        try start()
        // Restarts keep the port, so that peers' links stay valid.
        var fixed = config
        fixed["port"] = port
        try JSONSerialization.data(withJSONObject: fixed, options: [.prettyPrinted]).write(to: configFile)
    }

    /// Starts the process and waits (up to 30 s) until it listens.
    public func start() throws {
        let portFile = dataDirectory.appendingPathComponent("node.port")
        try? FileManager.default.removeItem(at: portFile)
        let process = Process()
        process.executableURL = Self.binaries.appendingPathComponent(tier == "city" ? "city-node" : "county-node")
        process.arguments = ["--config", configFile.path]
        var environment = ProcessInfo.processInfo.environment.merging(self.environment) { $1 }
        if let today { environment["REVIEW_TODAY"] = today }
        process.environment = environment
        let log = dataDirectory.appendingPathComponent("node.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw NodeProcessError("node \(nodeId) did not start: \(output.suffix(2000))")
    }

    /// SIGTERM, then wait for the graceful shutdown.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGKILL: no shutdown at all.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the node and starts it again, e.g. with another pinned date.
    public func restart(today: String? = nil) throws {
        stop()
        if let today { self.today = today }
        try start()
    }

    /// Changes keys of the node's configuration file (effective at the next start).
    public func updateConfiguration(_ changes: [String: Any]) throws {
        let data = try Data(contentsOf: configFile)
        guard let current = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw NodeProcessError("bad \(configFile.path)") }
        try JSONSerialization.data(withJSONObject: current.merging(changes) { $1 }, options: [.prettyPrinted]).write(to: configFile)
    }

    /// The node's peak resident memory so far (VmHWM), bytes.
    public var peakResidentBytes: Int? {
        guard let pid = processIdentifier, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    public var isRunning: Bool { process?.isRunning ?? false }
    public var terminationStatus: Int32? { process.flatMap { $0.isRunning ? nil : $0.terminationStatus } }

    /// Stops the node and removes its data directory.
    public func cleanUp() {
        kill()
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    deinit {
        if let process, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Creates a user with `reviewctl user add` and returns its token.
    public func addUser(name: String, role: String, unit: String? = nil) throws -> String {
        var arguments = ["user", "add", "--data-dir", dataDirectory.path, "--name", name, "--role", role]
        if let unit { arguments += ["--unit", unit] }
        let result = try CommandRunner.run(Self.binaries.appendingPathComponent("reviewctl"), arguments)
        guard result.status == 0 else { throw NodeProcessError("reviewctl user add failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `reviewctl` with these arguments; throws unless it exits 0. Returns its stdout.
    @discardableResult
    public static func reviewctl(_ arguments: [String], stdin: Data? = nil) throws -> String {
        let result = try CommandRunner.run(binaries.appendingPathComponent("reviewctl"), arguments, input: stdin)
        guard result.status == 0 else { throw NodeProcessError("reviewctl \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout
    }

    /// This node's link card, with its actual loopback URL.
    public func linkCard() throws -> Data {
        Data(try Self.reviewctl(["link", "export", "--node-config", configFile.path, "--base-url", baseURL.absoluteString]).utf8)
    }

    /// Imports `other`'s card here.
    public func link(to other: NodeProcess) throws {
        let card = dataDirectory.appendingPathComponent("card-\(other.nodeId).json")
        try other.linkCard().write(to: card)
        try Self.reviewctl(["link", "import", "--node-config", configFile.path, card.path])
    }

    /// Links two nodes both ways.
    public static func link(_ a: NodeProcess, _ b: NodeProcess) throws {
        try a.link(to: b)
        try b.link(to: a)
    }

    // MARK: HTTP

    /// One HTTP exchange with the node.
    public func call(_ method: String, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil,
                     headers: [String: String] = [:]) async throws -> HTTPResult {
        var payload = body
        var headers = headers
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
            headers["Content-Type"] = "application/json"
        }
        return try await client.call(method, path, token: token, body: payload, headers: headers)
    }

    /// A Sendable handle for concurrent requests.
    public var client: NodeClient { NodeClient(url: baseURL) }

    /// The process id, while running.
    public var processIdentifier: Int32? { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    /// Waits for a process killed from elsewhere to be reaped.
    public func waitUntilExit() { process?.waitUntilExit() }
}

/// HTTP to one node over loopback.
public struct NodeClient: Sendable {
    public let baseURL: URL

    /// A client of whatever listens at `url` (e.g. a node's separate metrics port).
    public init(url: URL) { baseURL = url }

    public func call(_ method: String, _ path: String, token: String? = nil, body: Data? = nil,
                     headers: [String: String] = [:]) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw NodeProcessError("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        return HTTPResult(status: http.statusCode, data: data, headers: fields)
    }
}

/// A response: status, body, headers (lower-cased names).
public struct HTTPResult: Sendable {
    public let status: Int
    public let data: Data
    public let headers: [String: String]

    /// The body as a JSON object ([:] when it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    public var text: String { String(decoding: data, as: UTF8.self) }

    /// `error.code` of an error body.
    public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    public var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
}

public struct NodeProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a command to completion.
public enum CommandRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// - Parameter input: written to the command's standard input (which is closed after it).
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                           input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "REVIEW_CONFIG_DIR")
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        // Read both pipes to the end before waiting, so that a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Waits until `condition` holds, checking every 20 ms for at most `seconds`: for effects that
/// happen in another process (a message delivered, a node catching up).
public func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
