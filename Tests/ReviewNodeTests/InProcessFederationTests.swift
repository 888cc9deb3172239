import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// A county and the city in one test process, joined by ``InProcessPeerTransport``: the
/// messages go through the real outbox, delivery service, intake (signature check) and
/// receiver, with no processes and no sockets.
@Suite struct InProcessFederationTests {
    /// One node: its configuration, services and application, and tokens of its users.
    struct Node {
        let configuration: NodeConfiguration
        let services: NodeServices
        var tokens: [Role: String] = [:]

        /// - Parameter dataDirectory: an existing one (a restored node's), else a new temporary one.
        init(nodeId: String, tier: Tier, transport: InProcessPeerTransport, today: CivilDate, dataDirectory: URL? = nil,
             configure: (inout NodeConfiguration) -> Void = { _ in }) throws {
            let data = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("in-process-\(nodeId)-\(UUID().uuidString)")
            var configuration = NodeConfiguration(nodeId: nodeId, name: tier == .city ? "长春市政务服务和数字化建设管理局" : "德惠市政务服务和数字化建设管理局",
                                                  tier: tier, dataDirectory: data, configDirectory: Fixtures.configDirectory)
            configuration.publicURL = "http://\(nodeId).in-process"
            configure(&configuration)
            self.configuration = configuration
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try NodeStore(path: configuration.databasePath).claim(nodeId: nodeId, tier: tier)
            services = try NodeApplication.makeServices(configuration: configuration, today: .fixed(today), logger: Logger(label: "test-\(nodeId)"),
                                                        transport: transport)
            transport.attach(FederationEndpoint(services: services), at: configuration.publicURL!)
        }

        var card: LinkCard { Links.card(configuration: configuration, identity: services.identity) }

        mutating func addUser(_ role: Role, unit: String? = nil) async throws {
            let isCity = configuration.isCity
            let (_, token) = try await services.store.write { db in
                try NodeStore.createUser(db, name: "\(role.rawValue)", role: role, unit: unit, isCityNode: isCity)
            }
            tokens[role] = token
        }

        func link(to peer: Node) async throws {
            let card = peer.card
            let own = configuration
            _ = try await services.store.write { db in try Links.importCard(db, card, own: own) }
        }

        func cleanUp() {
            try? FileManager.default.removeItem(at: configuration.dataDirectory)
        }
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// Calls the API as `token`; returns the status and the JSON body.
    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, json: Any? = nil,
                     body: Data? = nil, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers = headers
        headers[.authorization] = "Bearer \(token)"
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let body {
            buffer = ByteBuffer(bytes: body)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            (response.status, Self.json(response.body))
        }
    }

    /// The case's state as `token` sees it at the node behind `client`.
    static func state(_ client: some TestClientProtocol, _ id: String, token: String) async throws -> String? {
        let (_, body) = try await call(client, .get, "/api/v1/cases/\(id)", token: token)
        return (body["case"] as? [String: Any])?["state"] as? String
    }

    /// Waits (at most about 10 s) for the delivery services to carry a message across.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func aCaseGoesCountyCityCountyInOneProcess() async throws {
        let today = Fixtures.date("2026-03-02")
        let transport = InProcessPeerTransport()
        var county = try Node(nodeId: "220183", tier: .county, transport: transport, today: today)
        var city = try Node(nodeId: "220100", tier: .city, transport: transport, today: today)
        defer { county.cleanUp(); city.cleanUp() }
        try await county.link(to: city)
        try await city.link(to: county)
        try await county.addUser(.drafter, unit: "德惠市科学技术局")
        try await county.addUser(.countyReviewer)
        try await city.addUser(.cityReviewer)
        let (drafter, countyReviewer, cityReviewer) = (county.tokens[.drafter]!, county.tokens[.countyReviewer]!, city.tokens[.cityReviewer]!)
        let formData = try Fixtures.exampleData("launch-clean.json")
        let form = try JSONSerialization.jsonObject(with: formData) as! [String: Any]
        // Each material the example lists, as (digest, bytes): the examples' digests are of these bytes.
        let materials = (form["materials"] as! [[String: Any]]).map { material in
            (material["sha256"] as! String, Data(("示例材料:" + (material["title"] as! String)).utf8))
        }

        let countyApp = try NodeApplication.build(services: county.services, logger: Logger(label: "test-county"))
        let cityApp = try NodeApplication.build(services: city.services, logger: Logger(label: "test-city"))
        try await cityApp.test(.router) { cityClient in
            try await countyApp.test(.router) { countyClient in
                for (digest, bytes) in materials {
                    var headers = HTTPFields()
                    headers[HTTPField.Name("X-Content-SHA256")!] = digest
                    let (status, body) = try await Self.call(countyClient, .post, "/api/v1/materials", token: drafter, body: bytes, headers: headers)
                    #expect(status == .created, "\(body)")
                }
                let (submitted, case_) = try await Self.call(countyClient, .post, "/api/v1/cases", token: drafter, body: formData,
                                                             headers: [.contentType: "application/json"])
                #expect(submitted == .created, "\(case_)")
                let id = try #require((case_["case"] as? [String: Any])?["id"] as? String)
                #expect(try await Self.call(countyClient, .post, "/api/v1/cases/\(id)/accept", token: countyReviewer).0 == .ok)
                #expect(try await Self.call(countyClient, .post, "/api/v1/cases/\(id)/complete-preliminary", token: countyReviewer,
                                            json: ["conclusion": "初审通过,报市级审定"]).0 == .ok)
                let (forwarded, forwardBody) = try await Self.call(countyClient, .post, "/api/v1/cases/\(id)/forward", token: countyReviewer)
                #expect(forwarded == .ok, "\(forwardBody)")

                // County → city: the forwarded case arrives with its materials, under final review.
                #expect(try await Self.eventually { try await Self.state(cityClient, id, token: cityReviewer) == "finalReview" })
                let (_, atCity) = try await Self.call(cityClient, .get, "/api/v1/cases/\(id)", token: cityReviewer)
                #expect((atCity["materials"] as? [Any])?.count == 5)

                // City → county: the opinion, signed by the city, reaches the county's drafter.
                let (issued, opinionBody) = try await Self.call(cityClient, .post, "/api/v1/cases/\(id)/opinion", token: cityReviewer, json: [
                    "outcome": "notPassed", "requiredChanges": [["itemIndex": 1, "element": "consultation", "change": "补充咨询时间"]],
                ])
                #expect(issued == .created, "\(opinionBody)")
                #expect(try await Self.eventually { try await Self.state(countyClient, id, token: drafter) == "opinionNotPassed" })
                let (_, received) = try await Self.call(countyClient, .get, "/api/v1/cases/\(id)/opinion", token: drafter)
                #expect((received["number"] as? [String: Any])?["prefix"] as? String == "长政数标审")
                // The county learnt the city's receipt too (a third message).
                let (_, countyView) = try await Self.call(countyClient, .get, "/api/v1/cases/\(id)", token: countyReviewer)
                #expect((countyView["events"] as? [[String: Any]])?.contains { $0["action"] as? String == "cityReceived" } == true)
            }
        }
    }

    @Test func aFrameToAnUnattachedNodeIsUnreachableAndABadSignatureIsRefused() async throws {
        let transport = InProcessPeerTransport()
        let city = try Node(nodeId: "220100", tier: .city, transport: transport, today: Fixtures.date("2026-03-02"))
        defer { city.cleanUp() }
        await #expect(throws: InProcessUnreachable.self) {
            _ = try await transport.send(frame: Data("RVW1".utf8), signature: Data(count: 64), sender: "220183", to: "http://nowhere.in-process")
        }
        // A sender the city has no link with is refused (403) with the API's JSON error body.
        let answer = try await transport.send(frame: Data("RVW1".utf8), signature: Data(count: 64), sender: "220183", to: city.configuration.publicURL!)
        #expect(answer.status == 403, "\(String(decoding: answer.body, as: UTF8.self))")
        let error = (try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["code"] as? String != nil)
    }
}
