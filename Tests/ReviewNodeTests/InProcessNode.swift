import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// A node's store in a temporary folder, for tests that drive the application in process
/// (`.router`) after seeding the store directly.
struct InProcessNode {
    let configuration: NodeConfiguration
    let store: NodeStore

    init(nodeId: String, name: String, tier: Tier, prefix: String) throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        configuration = NodeConfiguration(nodeId: nodeId, name: name, tier: tier, dataDirectory: data, configDirectory: Fixtures.configDirectory)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        store = try NodeStore(path: configuration.databasePath)
        try store.claim(nodeId: nodeId, tier: tier)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: configuration.dataDirectory)
    }

    func application(today: CivilDate) throws -> some ApplicationProtocol {
        try NodeApplication.build(configuration: configuration, today: .fixed(today), logger: Logger(label: "test"))
    }

    /// Signs in to the console with `token`; returns the session cookie (`name=value`).
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> String {
        try await client.execute(uri: "/console/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: "token=\(token)")) { response in
            #expect(response.status == .seeOther)
            return String(response.headers[.setCookie]?.split(separator: ";").first ?? "")
        }
    }
}
