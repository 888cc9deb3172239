import Crypto
import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

/// Bad actors and crashes, each against real node processes.
@Suite(.serialized) struct FederationFaultTests {
    struct Message {
        var body: Data
        var signature: Data
    }

    /// A message from `sender` signed with `key`: the envelope's JSON and the signature header.
    func message<P: Codable & Sendable>(from sender: String, to receiver: String, type: FederationMessageType, caseId: String?, sequence: Int = 1,
                                        payload: P, key: Curve25519.Signing.PrivateKey, tamper: Bool = false, id: String = UUID().uuidString,
                                        attachments: [Data] = [], sentAt: Date = Date()) throws -> Message {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let envelope = FederationEnvelope(id: id, sender: sender, receiver: receiver, type: type, caseId: caseId, sequence: sequence,
                                          sentAt: ISO8601DateFormatter().string(from: sentAt), chainHead: String(repeating: "0", count: 64),
                                          payload: payload)
        var json = try encoder.encode(envelope)
        let signature = try key.signature(for: json)
        if tamper, let index = json.firstIndex(of: UInt8(ascii: "7")) { json[index] = UInt8(ascii: "8") }
        return Message(body: FederationFrame.encode(json: json, attachments: attachments), signature: signature)
    }

    func key(of node: NodeProcess) throws -> Curve25519.Signing.PrivateKey {
        let text = try String(contentsOf: node.dataDirectory.appendingPathComponent("node.key"), encoding: .utf8)
        return try Curve25519.Signing.PrivateKey(rawRepresentation: Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))!)
    }

    func post(_ message: Message, to node: NodeProcess) async throws -> HTTPResult {
        try await node.call("POST", FederationWire.path, body: message.body,
                            headers: ["Content-Type": FederationWire.contentType, FederationWire.signatureHeader: message.signature.base64EncodedString()])
    }

    func forwardedPayload(caseId: String, division: String) throws -> CaseForwardedPayload {
        let form = try Fixtures.example("launch-clean.json")
        let accepted = Fixtures.date("2026-03-02")
        return CaseForwardedPayload(caseId: caseId, kind: .launch, title: "测试政策", documentNumber: nil, draftingUnit: "德惠市科学技术局",
                                    divisionCode: division, submittedOn: accepted, effectiveDate: nil, lateApplication: false, revision: 1,
                                    form: form, materials: [], countyFindings: [], preliminaryConclusion: "初审通过",
                                    clock: ClockState(acceptedOn: accepted, limit: 10, stops: []), forwardedOn: accepted)
    }

    @Test func badActorsAreRejectedAndNothingIsApplied() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let city = federation.city
        let countyKey = try key(of: federation.county)
        let struct0 = PingPayload(nonce: "1")

        #expect(try await post(message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: struct0, key: countyKey), to: city).status == 200)
        var unsigned = try message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: struct0, key: countyKey)
        unsigned.signature = Data()
        #expect(try await post(unsigned, to: city).status == 401)

        let tampered = try await post(message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0007",
                                              payload: forwardedPayload(caseId: "220183-2026-0007", division: "220183"), key: countyKey, tamper: true), to: city)
        #expect(tampered.status == 401)
        #expect(tampered.errorCode == "bad-signature")

        let wrongKey = try await post(message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: struct0, key: Curve25519.Signing.PrivateKey()), to: city)
        #expect(wrongKey.status == 401)

        let unknown = try await post(message(from: "220182", to: "220100", type: .ping, caseId: nil, payload: struct0, key: Curve25519.Signing.PrivateKey()), to: city)
        #expect(unknown.status == 403)
        #expect(unknown.errorCode == "unknown-node")

        let othersCase = try await post(message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220182-2026-0001",
                                                payload: forwardedPayload(caseId: "220182-2026-0001", division: "220182"), key: countyKey), to: city)
        #expect(othersCase.status == 403)
        #expect(othersCase.errorCode == "not-your-case")

        let outOfOrder = try await post(message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0050", sequence: 3,
                                                payload: forwardedPayload(caseId: "220183-2026-0050", division: "220183"), key: countyKey), to: city)
        #expect(outOfOrder.status == 409)

        try NodeProcess.reviewctl(["link", "disable", "--data-dir", city.dataDirectory.path, "220183"])
        let disabled = try await post(message(from: "220183", to: "220100", type: .ping, caseId: nil, payload: struct0, key: countyKey), to: city)
        #expect(disabled.status == 403)
        #expect(disabled.errorCode == "link-disabled")
        try NodeProcess.reviewctl(["link", "enable", "--data-dir", city.dataDirectory.path, "220183"])

        // A material swapped in transit: the signed envelope names another digest.
        var payload = try forwardedPayload(caseId: "220183-2026-0060", division: "220183")
        let genuineBytes = Data("真实的申请函".utf8)
        payload.materials = [TransferredMaterial(reference: MaterialRef(kind: .applicationLetter, title: "函", fileName: "a.pdf",
                                                                         sha256: SHA256.hash(data: genuineBytes).map { String(format: "%02x", $0) }.joined(),
                                                                         bytes: genuineBytes.count), attachment: 0)]
        let swapped = try await post(message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0060",
                                             payload: payload, key: countyKey, attachments: [Data("篡改的申请函".utf8)]), to: city)
        #expect(swapped.status == 422)
        #expect(swapped.errorCode == "material-digest-mismatch")
        let smuggled = try await post(message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0060",
                                              payload: payload, key: countyKey, attachments: [genuineBytes, Data("未签名的附件".utf8)]), to: city)
        #expect(smuggled.status == 422)

        // Nothing of the above reached the city's records.
        let none = try await city.call("GET", "/api/v1/cases", token: federation.cityReviewer)
        #expect((none.json["cases"] as? [Any])?.isEmpty == true)

        // A replayed message: the first result again, no second effect.
        let genuine = try message(from: "220183", to: "220100", type: .caseForwarded, caseId: "220183-2026-0099",
                                  payload: forwardedPayload(caseId: "220183-2026-0099", division: "220183"), key: countyKey)
        let first = try await post(genuine, to: city)
        #expect(first.status == 200, "\(first.text)")
        let replay = try await post(genuine, to: city)
        #expect(replay.status == 200)
        #expect(replay.json["duplicate"] as? Bool == true)
        let detail = try await city.call("GET", "/api/v1/cases/220183-2026-0099", token: federation.cityReviewer)
        #expect((detail.json["events"] as? [[String: Any]])?.filter { $0["action"] as? String == "receiveForwarded" }.count == 1)
        let cases = try await city.call("GET", "/api/v1/cases", token: federation.cityReviewer)
        #expect((cases.json["cases"] as? [Any])?.count == 1)
    }
}

@Suite(.serialized) struct FederationCrashTests {
    @Test func theCityKilledWithAHundredCasesInFlightGetsEachExactlyOnce() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let ids = try await federation.readyCases(100)
        let pid = try #require(federation.city.processIdentifier)
        // Forward all 100; kill the city (SIGKILL) once some, not all, have arrived.
        var killed = false
        for id in ids {
            let result = try await federation.county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer)
            #expect(result.status == 200)
            if !killed, try await federation.count(federation.city, token: federation.cityReviewer) >= 20 {
                kill(pid, SIGKILL)
                killed = true
            }
        }
        if !killed {
            kill(pid, SIGKILL)
        }
        federation.city.waitUntilExit()
        #expect(try await federation.queueDepth(federation.county, token: federation.countyReviewer) > 0)
        try federation.city.start()
        #expect(try await eventually(60) { try await federation.queueDepth(federation.county, token: federation.countyReviewer) == 0 })
        #expect(try await federation.count(federation.city, token: federation.cityReviewer) == 100)
        for id in ids {
            #expect(try await federation.events(federation.city, id, token: federation.cityReviewer, action: "receiveForwarded") == 1, "\(id)")
        }
        // And the city's answers came back, once each.
        #expect(try await eventually(60) { try await federation.queueDepth(federation.city, token: federation.cityReviewer) == 0 })
        for id in ids {
            #expect(try await federation.events(federation.county, id, token: federation.countyReviewer, action: "cityReceived") == 1, "\(id)")
        }
    }

    @Test func aCountyKilledWhileOpinionsComeBackLosesNone() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let ids = try await federation.readyCases(30)
        for id in ids { _ = try await federation.county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer) }
        #expect(try await eventually(30) { try await federation.count(federation.city, token: federation.cityReviewer, state: "finalReview") == 30 })
        let pid = try #require(federation.county.processIdentifier)
        for (index, id) in ids.enumerated() {
            let opinion = try await federation.city.call("POST", "/api/v1/cases/\(id)/opinion", token: federation.cityReviewer, json: ["outcome": "passed"])
            #expect(opinion.status == 201)
            if index == 10 { kill(pid, SIGKILL) }
        }
        federation.county.waitUntilExit()
        try federation.county.start()
        #expect(try await eventually(60) { try await federation.count(federation.county, token: federation.countyReviewer, state: "opinionPassed") == 30 })
        #expect(try await federation.queueDepth(federation.city, token: federation.cityReviewer) == 0)
        for id in ids {
            #expect(try await federation.events(federation.county, id, token: federation.countyReviewer, action: "receiveOpinion") == 1, "\(id)")
        }
    }

    @Test func countiesWorkOnWhileTheCityIsDownAndCatchUpWhenItReturns() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        federation.city.stop()
        let ids = try await federation.readyCases(10)
        for id in ids {
            let result = try await federation.county.call("POST", "/api/v1/cases/\(id)/forward", token: federation.countyReviewer)
            #expect(result.status == 200)
        }
        // The county keeps accepting and reviewing meanwhile; the queue shows why it waits.
        #expect(try await federation.readyCases(1).count == 1)
        #expect(try await eventually(10) {
            let status = try await federation.county.call("GET", "/api/v1/federation/status", token: federation.countyReviewer)
            let link = (status.json["links"] as? [[String: Any]])?.first
            return link?["queueDepth"] as? Int == 10 && (link?["lastError"] as? String)?.contains("127.0.0.1") == true
        })
        let status = try NodeProcess.reviewctl(["status", "--data-dir", federation.county.dataDirectory.path])
        #expect(status.contains("queue=10"))
        try federation.city.start()
        #expect(try await eventually(60) { try await federation.queueDepth(federation.county, token: federation.countyReviewer) == 0 })
        #expect(try await federation.count(federation.city, token: federation.cityReviewer) == 10)
    }
}
