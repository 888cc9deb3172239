import Crypto
import Foundation
@testable import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// The work the receiver does before its transaction (``VerifiedMessage/prepared()``): the
/// payload decoded with the type of its message type, the refusal a bad payload gets, the
/// attachments hashed once, a forwarded form encoded as it is stored.
@Suite struct PreparedMessageTests {
    static func envelope<Payload: Codable & Sendable>(_ type: FederationMessageType, _ payload: Payload) throws -> Data {
        try CaseWorkflow.canonicalJSON(FederationEnvelope(id: "m-1", sender: "220183", receiver: "220100", type: type, caseId: "220183-2026-000001",
                                                          sequence: 1, sentAt: "2026-03-02T01:00:00Z", chainHead: EventRecord.genesis, payload: payload))
    }

    @Test func aPayloadIsDecodedWithItsMessageTypesType() throws {
        let payload = ReceivedPayload(cityCaseNumber: "220100-2026-000007", receivedOn: Fixtures.date("2026-03-02"))
        let decoded = DecodedPayload(.received, json: try Self.envelope(.received, payload))
        #expect(try decoded.value(as: ReceivedPayload.self) == payload)
        // Asked for another type, it gives nothing (and no refusal): the caller decodes itself.
        #expect(try decoded.value(as: CaseForwardedPayload.self) == nil)
        #expect(decoded.formJSON == nil)
    }

    @Test func aPayloadThatDoesNotDecodeIsRefusedAsMalformedWhenAskedFor() throws {
        // A `received` envelope whose payload lacks its fields.
        let decoded = DecodedPayload(.received, json: try Self.envelope(.received, ["cityCaseNumber": "x"]))
        do {
            _ = try decoded.value(as: ReceivedPayload.self)
            Issue.record("a payload without receivedOn decoded")
        } catch let error as APIError {
            #expect(error.body.code == "malformed-payload")
            #expect(error.body.permanent == true)
        }
        #expect(try decoded.value(as: SupplementRequestedPayload.self) == nil)
    }

    @Test func aForwardedFormIsEncodedAsTheRevisionStoresIt() throws {
        let form = try JSONDecoder().decode(CaseForm.self, from: try Fixtures.exampleData("launch-clean.json"))
        let payload = CaseForwardedPayload(
            caseId: "220183-2026-000001", kind: form.policy.kind, title: form.policy.title ?? "", documentNumber: nil, draftingUnit: "德惠市科学技术局",
            divisionCode: "220183", submittedOn: Fixtures.date("2026-03-02"), effectiveDate: nil, lateApplication: false, revision: 1, form: form,
            materials: [], countyFindings: [], preliminaryConclusion: "初审通过",
            clock: ClockState(acceptedOn: Fixtures.date("2026-03-02"), limit: 10, stops: []), forwardedOn: Fixtures.date("2026-03-02"))
        let decoded = DecodedPayload(.caseForwarded, json: try Self.envelope(.caseForwarded, payload))
        #expect(try decoded.value(as: CaseForwardedPayload.self)?.caseId == payload.caseId)
        #expect(decoded.formJSON == (try CaseWorkflow.canonicalJSON(form)))
    }

    @Test func attachmentsAreHashedOnceInFrameOrder() throws {
        let attachments = [Data("甲".utf8), Data(), Data(repeating: 7, count: 100_000)]
        let json = try Self.envelope(.received, ReceivedPayload(cityCaseNumber: "220100-2026-000007", receivedOn: Fixtures.date("2026-03-02")))
        let header = try JSONDecoder().decode(FederationHeader.self, from: json)
        let link = LinkRecord(card: LinkCard(nodeId: "220183", name: "德惠市政数局", divisionCode: "220183", tier: .county,
                                             baseURL: "http://127.0.0.1:1", publicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()))
        let message = VerifiedMessage(header: header, json: json, attachments: attachments, link: link, signature: Data()).prepared()
        #expect(message.attachmentDigests == attachments.map { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() })
        #expect(try message.payload?.value(as: ReceivedPayload.self)?.cityCaseNumber == "220100-2026-000007")
    }
}
