import Foundation
import ReviewTesting
import Testing

/// Bad input gets a 4xx JSON error naming the field or the state, and changes nothing.
@Suite(.serialized) struct BadInputTests {
    @Test func everyKindOfBadInputIsRefusedAndNothingIsWritten() async throws {
        let node = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政数局", today: "2026-03-02")
        defer { node.cleanUp() }
        let drafter = try node.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewer = try node.addUser(name: "审查员", role: "countyReviewer")
        let form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: node, token: drafter)

        func caseCount() async throws -> Int {
            ((try await node.call("GET", "/api/v1/cases", token: reviewer)).json["cases"] as? [Any])?.count ?? -1
        }
        func post(_ body: Data) async throws -> HTTPResult {
            try await node.call("POST", "/api/v1/cases", token: drafter, body: body, headers: ["Content-Type": "application/json"])
        }

        let malformed = try await post(Data("{\"formatVersion\": 1,\n \"policy\": ".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.errorCode == "invalid-invalidJSON")

        var unknown = form
        unknown["policy"] = (form["policy"] as! [String: Any]).merging(["titel": "x"]) { $1 }
        let unknownField = try await node.call("POST", "/api/v1/cases", token: drafter, json: unknown)
        #expect(unknownField.status == 422)
        #expect(unknownField.errorField == "policy.titel")

        let wrongType = try await node.call("POST", "/api/v1/cases", token: drafter, json: CaseForms.setting(form, item: 0, "redemptionDays", "二十"))
        #expect(wrongType.status == 422)
        #expect(wrongType.errorField == "serviceItems[0].redemptionDays")

        var badEnum = form
        badEnum["policy"] = (form["policy"] as! [String: Any]).merging(["kind": "relaunch"]) { $1 }
        let badKind = try await node.call("POST", "/api/v1/cases", token: drafter, json: badEnum)
        #expect(badKind.status == 422)
        #expect(badKind.errorField == "policy.kind")

        var utf8 = Data("{\"formatVersion\":1,\"policy\":{\"title\":\"".utf8)
        utf8.append(contentsOf: [0xC3, 0x28])
        utf8.append(Data("\"}}".utf8))
        let invalidUTF8 = try await post(utf8)
        #expect(invalidUTF8.status == 400)
        #expect(invalidUTF8.errorCode == "invalid-invalidUTF8")

        let huge = try await post(Data(repeating: UInt8(ascii: " "), count: 9 * 1024 * 1024))
        #expect(huge.status == 413)
        #expect(huge.errorCode == "body-too-large")

        var notUploaded = form
        var materials = form["materials"] as! [[String: Any]]
        materials[2]["sha256"] = String(repeating: "ab", count: 32)
        notUploaded["materials"] = materials
        let missingBlob = try await node.call("POST", "/api/v1/cases", token: drafter, json: notUploaded)
        #expect(missingBlob.status == 422)
        #expect(missingBlob.errorField == "materials[2].sha256")

        let empty = try await post(Data())
        #expect(empty.status == 400)

        #expect(try await caseCount() == 0)

        // A material whose bytes do not match the declared SHA-256 is not stored.
        let mismatch = try await node.call("POST", "/api/v1/materials", token: drafter, body: Data("篡改的内容".utf8),
                                           headers: ["X-Content-SHA256": String(repeating: "0", count: 64)])
        #expect(mismatch.status == 422)
        #expect(mismatch.errorField == "X-Content-SHA256")
        var unstored = form
        unstored["materials"] = [["kind": "other", "title": "篡改的内容", "sha256": String(repeating: "0", count: 64)]] + (form["materials"] as! [[String: Any]])
        let refused = try await node.call("POST", "/api/v1/cases", token: drafter, json: unstored)
        #expect(refused.errorField == "materials[0].sha256")

        // An action not allowed in the case's state: 409 naming the state; the case unchanged.
        let created = try await node.call("POST", "/api/v1/cases", token: drafter, json: form)
        let id = try #require((created.json["case"] as? [String: Any])?["id"] as? String)
        let early = try await node.call("POST", "/api/v1/cases/\(id)/complete-preliminary", token: reviewer, json: ["conclusion": "通过"])
        #expect(early.status == 409)
        #expect(early.errorCode == "illegal-transition")
        #expect((early.json["error"] as? [String: Any])?["state"] as? String == "submitted")
        let resubmitEarly = try await node.call("POST", "/api/v1/cases/\(id)/resubmit", token: drafter, json: form)
        #expect(resubmitEarly.status == 409)
        let after = try await node.call("GET", "/api/v1/cases/\(id)", token: reviewer)
        #expect((after.json["case"] as? [String: Any])?["state"] as? String == "submitted")
        #expect((after.json["case"] as? [String: Any])?["currentRevision"] as? Int == 1)
        #expect((after.json["events"] as? [Any])?.count == 1)

        // Bad query parameters and unknown routes are JSON errors too.
        let badFilter = try await node.call("GET", "/api/v1/cases?state=pending", token: reviewer)
        #expect(badFilter.status == 422)
        #expect(badFilter.errorField == "state")
        let noRoute = try await node.call("GET", "/api/v1/nothing-here", token: reviewer)
        #expect(noRoute.status == 404)
        #expect(noRoute.errorCode != nil)
        let badLaunch = try await node.call("POST", "/api/v1/cases/\(id)/launch", token: drafter, json: ["launchDate": "明年"])
        #expect(badLaunch.status == 422)
        #expect(badLaunch.errorField == "launchDate")
    }
}
