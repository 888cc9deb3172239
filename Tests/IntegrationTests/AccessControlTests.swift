import Foundation
import ReviewTesting
import Testing

/// Each role × each endpoint class, own unit versus another unit, on real nodes.
@Suite(.serialized) struct AccessControlTests {
    struct Setup {
        let node: NodeProcess
        let tokens: [String: String]
        let caseId: String
    }

    /// A node with one case of 德惠市科学技术局 (or 长春市科学技术局 on the city) and a user per role.
    func setUp(tier: String) async throws -> Setup {
        let isCity = tier == "city"
        let node = try NodeProcess(tier: tier, nodeId: isCity ? "220100" : "220183", name: "测试节点", today: "2026-03-02")
        let ownUnit = isCity ? "长春市科学技术局" : "德惠市科学技术局"
        var tokens = [
            "drafter": try node.addUser(name: "本单位起草员", role: "drafter", unit: ownUnit),
            "otherDrafter": try node.addUser(name: "他单位起草员", role: "drafter", unit: isCity ? "长春市财政局" : "德惠市财政局"),
            "reviewer": try node.addUser(name: "审查员", role: isCity ? "cityReviewer" : "countyReviewer"),
            "operator": try node.addUser(name: "运维", role: "operator"),
        ]
        if isCity { tokens["supervisor"] = try node.addUser(name: "监督员", role: "supervisor") }
        let form = isCity ? try CaseForms.cityLevel() : try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: node, token: tokens["drafter"]!)
        let submitted = try await node.call("POST", "/api/v1/cases", token: tokens["drafter"], json: form)
        let id = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String, "\(submitted.text)")
        return Setup(node: node, tokens: tokens, caseId: id)
    }

    struct Endpoint: Sendable {
        let name: String
        let method: String
        let path: @Sendable (String) -> String
        let body: [String: String]?
    }

    static let endpoints: [Endpoint] = [
        Endpoint(name: "read case", method: "GET", path: { "/api/v1/cases/\($0)" }, body: nil),
        Endpoint(name: "check", method: "GET", path: { "/api/v1/cases/\($0)/check" }, body: nil),
        Endpoint(name: "list", method: "GET", path: { _ in "/api/v1/cases" }, body: nil),
        Endpoint(name: "reviewer action", method: "POST", path: { "/api/v1/cases/\($0)/materials-notice" }, body: nil),
        Endpoint(name: "drafter action", method: "POST", path: { "/api/v1/cases/\($0)/disagreement" }, body: ["reason": "理由"]),
        Endpoint(name: "ledger", method: "GET", path: { _ in "/api/v1/ledger" }, body: nil),
        Endpoint(name: "users", method: "GET", path: { _ in "/api/v1/users" }, body: nil),
        Endpoint(name: "upload", method: "POST", path: { _ in "/api/v1/materials" }, body: nil),
    ]

    /// Expected status per endpoint and role. Reviewer and drafter actions reach the state
    /// check (409) once access is granted: the case is `submitted`, where a materials notice
    /// is refused as nothing is missing and a disagreement is not allowed.
    static func expected(_ endpoint: String, _ role: String) -> Int {
        switch (endpoint, role) {
        case ("read case", "drafter"), ("read case", "reviewer"), ("read case", "supervisor"): 200
        case ("read case", _): 404
        case ("check", "drafter"), ("check", "reviewer"), ("check", "supervisor"): 200
        case ("check", _): 404
        case ("list", "operator"): 403
        case ("list", _): 200
        case ("reviewer action", "reviewer"): 409
        case ("reviewer action", "drafter"), ("reviewer action", "supervisor"): 403
        case ("reviewer action", _): 404
        case ("drafter action", "drafter"): 409
        case ("drafter action", "reviewer"), ("drafter action", "supervisor"): 403
        case ("drafter action", _): 404
        case ("ledger", "reviewer"), ("ledger", "supervisor"): 200
        case ("ledger", _): 403
        case ("users", "operator"): 200
        case ("users", _): 403
        // Reviewers upload Art 6 expert sessions' files (kept apart from every drafting unit's).
        case ("upload", "drafter"), ("upload", "otherDrafter"), ("upload", "reviewer"): 201
        case ("upload", _): 403
        default: -1
        }
    }

    @Test(arguments: ["county", "city"])
    func roleMatrix(_ tier: String) async throws {
        let setup = try await setUp(tier: tier)
        defer { setup.node.cleanUp() }
        for endpoint in Self.endpoints {
            for (role, token) in setup.tokens.sorted(by: { $0.key < $1.key }) {
                let body: Data? = endpoint.name == "upload" ? Data("材料\(role)".utf8) : nil
                let result = try await setup.node.call(endpoint.method, endpoint.path(setup.caseId), token: token, json: endpoint.body, body: body)
                #expect(result.status == Self.expected(endpoint.name, role), "\(tier) \(endpoint.name) as \(role): \(result.status) \(result.text)")
                if result.status >= 400 {
                    #expect(result.errorCode != nil, "JSON error body for \(endpoint.name) as \(role)")
                }
                // Nothing about another unit's case leaks through a 404.
                if result.status == 404 { #expect(!result.text.contains("科学技术局")) }
            }
            for token in [nil, "prt_not-a-real-token"] {
                let result = try await setup.node.call(endpoint.method, endpoint.path(setup.caseId), token: token, json: endpoint.body)
                #expect(result.status == 401, "\(endpoint.name) without a valid token")
                #expect(result.errorCode == "unauthenticated")
            }
        }
        // A drafter's list holds only its own unit's cases.
        let own = try await setup.node.call("GET", "/api/v1/cases", token: setup.tokens["drafter"])
        let other = try await setup.node.call("GET", "/api/v1/cases", token: setup.tokens["otherDrafter"])
        #expect((own.json["cases"] as? [Any])?.count == 1)
        #expect((other.json["cases"] as? [Any])?.count == 0)
        // A drafter of another unit cannot download the case's material either.
        let material = ((own.json["cases"] as? [[String: Any]]) != nil) ? setup.caseId : ""
        let detail = try await setup.node.call("GET", "/api/v1/cases/\(material)", token: setup.tokens["drafter"])
        let digest = try #require((detail.json["materials"] as? [[String: Any]])?.first?["sha256"] as? String)
        let download = try await setup.node.call("GET", "/api/v1/cases/\(setup.caseId)/materials/\(digest)", token: setup.tokens["drafter"])
        #expect(download.status == 200)
        #expect(download.headers["x-content-sha256"] == digest)
        let stolen = try await setup.node.call("GET", "/api/v1/cases/\(setup.caseId)/materials/\(digest)", token: setup.tokens["otherDrafter"])
        #expect(stolen.status == 404)
    }

    @Test func aDrafterCannotSubmitForAnotherUnitNorAtTheWrongTier() async throws {
        let setup = try await setUp(tier: "county")
        defer { setup.node.cleanUp() }
        let form = try CaseForms.clean()
        let other = try await setup.node.call("POST", "/api/v1/cases", token: setup.tokens["otherDrafter"], json: form)
        #expect(other.status == 422)
        #expect(other.errorField == "policy.draftingUnit")
        let city = try await setup.node.call("POST", "/api/v1/cases", token: setup.tokens["drafter"], json: try CaseForms.cityLevel())
        #expect(city.status == 422)
        #expect(city.errorField == "policy.level" || city.errorField == "policy.draftingUnit")
        let reviewerSubmits = try await setup.node.call("POST", "/api/v1/cases", token: setup.tokens["reviewer"], json: form)
        #expect(reviewerSubmits.status == 403)
        // Roles are per tier: no city reviewer on a county node.
        let operatorToken = setup.tokens["operator"]!
        let wrongRole = try await setup.node.call("POST", "/api/v1/users", token: operatorToken, json: ["name": "市审", "role": "cityReviewer"])
        #expect(wrongRole.status == 422)
        #expect(wrongRole.errorField == "role")
        let created = try await setup.node.call("POST", "/api/v1/users", token: operatorToken, json: ["name": "新起草员", "role": "drafter", "unit": "德惠市商务局"])
        #expect(created.status == 201)
        let token = try #require(created.json["token"] as? String)
        let me = try await setup.node.call("GET", "/api/v1/me", token: token)
        #expect((me.json["unit"] as? String) == "德惠市商务局")
        #expect(!me.text.contains("tokenHash"))
    }
}
