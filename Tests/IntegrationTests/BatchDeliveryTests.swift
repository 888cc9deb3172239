import Crypto
import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

/// Several messages in one request (`POST /federation/v1/batch`), against a real city process:
/// applied in order in one transaction, a refused one isolated with its case's later ones,
/// redelivery without a second effect, and the checks before anything is read.
@Suite(.serialized) struct BatchDeliveryTests {
    let faults = FederationFaultTests()

    func postBatch(_ messages: [FederationFaultTests.Message], to node: NodeProcess, sender: String? = "220183") async throws -> HTTPResult {
        var headers = ["Content-Type": FederationWire.batchContentType]
        if let sender { headers[FederationWire.senderHeader] = sender }
        return try await node.call("POST", FederationWire.batchPath, body: FederationBatch.encode(messages.map { ($0.signature, $0.body) }), headers: headers)
    }

    func statuses(_ result: HTTPResult) -> [Int] {
        (result.json["results"] as? [[String: Any]])?.map { $0["status"] as? Int ?? -1 } ?? []
    }

    @Test func aBatchAppliesInOrderIsolatesARefusalAndRedeliversWithoutASecondEffect() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let city = federation.city
        let key = try faults.key(of: federation.county)
        func forwarded(_ number: String, division: String = "220183", sequence: Int = 1, signer: Curve25519.Signing.PrivateKey? = nil) throws -> FederationFaultTests.Message {
            let caseId = "\(division)-2026-\(number)"
            return try faults.message(from: "220183", to: "220100", type: .caseForwarded, caseId: caseId, sequence: sequence,
                                      payload: faults.forwardedPayload(caseId: caseId, division: division), key: signer ?? key)
        }
        let first = try forwarded("0101")
        // Another county's case: refused for good; its second message is skipped, not tried.
        let foreign = try forwarded("0102", division: "220182")
        let foreignNext = try forwarded("0102", division: "220182", sequence: 2)
        // Out of order (sequence 2 before 1): refused for this message only.
        let early = try forwarded("0103", sequence: 2)
        let badlySigned = try forwarded("0104", signer: Curve25519.Signing.PrivateKey())
        let last = try forwarded("0105")
        let batch = [first, foreign, foreignNext, early, badlySigned, last]

        let answer = try await postBatch(batch, to: city)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(statuses(answer) == [200, 403, 409, 409, 401, 200], "\(answer.text)")
        let results = answer.json["results"] as? [[String: Any]] ?? []
        #expect((results[1]["error"] as? [String: Any])?["code"] as? String == "not-your-case")
        #expect((results[1]["error"] as? [String: Any])?["permanent"] as? Bool == true)
        #expect(results[2]["skipped"] as? Bool == true)
        #expect((results[3]["error"] as? [String: Any])?["code"] as? String == "out-of-order")
        #expect((results[4]["error"] as? [String: Any])?["code"] as? String == "bad-signature")
        let cases = try await city.call("GET", "/api/v1/cases", token: federation.cityReviewer)
        let ids = Set((cases.json["cases"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [])
        #expect(ids == ["220183-2026-0101", "220183-2026-0105"], "\(cases.text)")

        // The same batch again: the applied ones answer as before with no second effect.
        let again = try await postBatch(batch, to: city)
        #expect(statuses(again) == [200, 403, 409, 409, 401, 200], "\(again.text)")
        let detail = try await city.call("GET", "/api/v1/cases/220183-2026-0101", token: federation.cityReviewer)
        #expect((detail.json["events"] as? [[String: Any]])?.filter { $0["action"] as? String == "receiveForwarded" }.count == 1)

        // Checked before the body is read: the sender header, the link, the first signature.
        #expect(try await postBatch([first], to: city, sender: nil).status == 401)
        #expect(try await postBatch([first], to: city, sender: "220182").status == 403)
        #expect(try await postBatch([badlySigned, last], to: city).status == 401)
        let garbage = try await city.call("POST", FederationWire.batchPath, body: Data("RVW1 not a batch".utf8),
                                          headers: ["Content-Type": FederationWire.batchContentType, FederationWire.senderHeader: "220183"])
        #expect(garbage.status == 400)
        #expect(try await city.call("GET", "/health").status == 200)
    }

    /// Cases queued while the city is down arrive in batches, each exactly once and in order.
    @Test func aBacklogGoesInBatchesExactlyOnce() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        // Debug logging on the county, to see its batches.
        county.stop()
        try county.updateConfiguration(["logLevel": "debug"])
        try county.start()
        let ids = try await federation.readyCases(12)
        city.stop()
        for id in ids {
            #expect(try await county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer).status == 200)
        }
        try city.start()
        #expect(try await eventually(30) {
            try await federation.count(city, token: federation.cityReviewer) == ids.count
        })
        // Each case's `received` came back once; the county's state moved on.
        for id in ids {
            let detail = try await city.call("GET", "/api/v1/cases/\(id)", token: federation.cityReviewer)
            #expect((detail.json["events"] as? [[String: Any]])?.filter { $0["action"] as? String == "receiveForwarded" }.count == 1)
        }
        // The city's answers (`received`, with its case number) came back to the county too.
        #expect(try await eventually(30) {
            var numbered = 0
            for id in ids {
                let detail = try await county.call("GET", "/api/v1/cases/\(id)", token: federation.countyReviewer)
                if detail.json["cityCaseNumber"] is String { numbered += 1 }
            }
            return numbered == ids.count
        })
        let log = try String(contentsOf: county.dataDirectory.appendingPathComponent("node.log"), encoding: .utf8)
        #expect(log.contains("delivered a batch"))
    }
}
