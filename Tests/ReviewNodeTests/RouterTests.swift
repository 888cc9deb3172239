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

/// The application driven in process (`.router`, no socket), and once live.
@Suite struct RouterTests {
    func configuration(tier: Tier) -> NodeConfiguration {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(UUID().uuidString)")
        return NodeConfiguration(nodeId: tier == .city ? "220100" : "220183", name: "测试节点", tier: tier,
                                 dataDirectory: data, configDirectory: Fixtures.configDirectory)
    }

    func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    @Test func healthIsOpenAndEverythingElseNeedsAToken() async throws {
        let configuration = configuration(tier: .county)
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let app = try NodeApplication.build(configuration: configuration, today: .fixed(Fixtures.date("2026-03-02")), logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["node"] as? String == "220183")
            }
            try await client.execute(uri: "/api/v1/cases", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect((json(response.body)["error"] as? [String: Any])?["message"] as? String == "未登录或令牌无效")
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound)
                #expect((json(response.body)["error"] as? [String: Any])?["code"] as? String == "not-found")
            }
        }
    }

    @Test func anOperatorCreatesADrafterWhoSubmits() async throws {
        let configuration = configuration(tier: .county)
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        let store = try NodeStore(path: configuration.databasePath)
        try store.claim(nodeId: configuration.nodeId, tier: .county)
        let (_, operatorToken) = try await store.write { db in
            try NodeStore.createUser(db, name: "运维", role: .operator, unit: nil, isCityNode: false)
        }
        let app = try NodeApplication.build(configuration: configuration, today: .fixed(Fixtures.date("2026-03-02")), logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"name":"起草员","role":"drafter","unit":"德惠市科学技术局"}"#)
            let token = try await client.execute(uri: "/api/v1/users", method: .post, headers: [.authorization: "Bearer \(operatorToken)"], body: body) { response in
                #expect(response.status == .created)
                return json(response.body)["token"] as? String ?? ""
            }
            try await client.execute(uri: "/api/v1/materials", method: .post, headers: [.authorization: "Bearer \(token)"],
                                     body: ByteBuffer(string: "示例材料")) { response in
                #expect(response.status == .created)
                #expect((json(response.body)["bytes"] as? Int) == "示例材料".utf8.count)
            }
            try await client.execute(uri: "/api/v1/cases", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect((json(response.body)["cases"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func liveSmoke() async throws {
        var configuration = configuration(tier: .city)
        configuration.port = 0
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let app = try NodeApplication.build(configuration: configuration, today: .beijing, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(json(response.body)["tier"] as? String == "city")
            }
        }
    }
}
