import Foundation
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// Every refusal a peer's message can meet at the receiver, produced by a crafted message
/// (signed with the sender's real key, posted through the in-process transport): answered with
/// its status and code, permanent for the codes in ``FederationReceiver/permanentRefusals``
/// (`out-of-order` is not), and changing nothing at the receiver.
@Suite struct FederationRefusalTests {
    enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case wrongReceiver = "wrong-receiver"
        case staleMessage = "stale-message"
        case malformedMessage = "malformed-message"
        case malformedPayload = "malformed-payload"
        case wrongDirection = "wrong-direction"
        case unknownCase = "unknown-case"
        case notYourCase = "not-your-case"
        case caseExists = "case-exists"
        case illegalTransition = "illegal-transition"
        case staleRevision = "stale-revision"
        case materialDigestMismatch = "material-digest-mismatch"
        case badOpinionSignature = "bad-opinion-signature"
        case messageTooLarge = "message-too-large"
        case outOfOrder = "out-of-order"

        var testDescription: String { rawValue }

        var status: Int {
            switch self {
            case .wrongReceiver: 421
            case .malformedMessage: 400
            case .staleMessage, .malformedPayload, .wrongDirection, .materialDigestMismatch: 422
            case .unknownCase: 404
            case .notYourCase: 403
            case .caseExists, .illegalTransition, .staleRevision, .outOfOrder: 409
            case .badOpinionSignature: 401
            case .messageTooLarge: 413
            }
        }

        /// Refusals about a case the city already holds (forwarded as message 1).
        var needsForwardedCase: Bool { [.caseExists, .illegalTransition, .staleRevision, .outOfOrder].contains(self) }
    }

    /// What a refused message must leave as it was at the receiver.
    struct Snapshot: Equatable {
        var chainHead: String
        var record: CaseRecord?
        var lastApplied: Int
        var queued: Int

        init(_ node: FederationPair.Node, caseId: String, sender: String) async throws {
            let peer = sender
            let values = try await node.services.store.read { db in
                (try NodeStore.chainHead(db), try NodeStore.caseRecord(db, caseId), try NodeStore.lastAppliedSequence(db, sender: peer, caseId: caseId),
                 try NodeStore.queueStats(db, peer: peer).depth)
            }
            (chainHead, record, lastApplied, queued) = (values.0, values.1, values.2, values.3)
        }
    }

    static let held = "220183-2026-0001"
    static let fresh = "220183-2026-0002"

    /// The message that meets `refusal`, and the case it is about.
    static func message(_ refusal: Refusal, _ pair: FederationPair, _ form: CaseForm) throws -> (FederationPair.Crafted, String) {
        let (county, city, today) = (pair.county, pair.city, pair.today)
        func toCity<P: Codable & Sendable>(_ type: FederationMessageType, _ caseId: String, sequence: Int = 1, sentAt: String = Date().formatted(.iso8601),
                                           receiver: String = "220100", _ payload: P, attachments: [Data] = []) throws -> (FederationPair.Crafted, String) {
            (try FederationPair.craft(from: county, to: receiver, type, caseId: caseId, sequence: sequence, sentAt: sentAt, payload, attachments: attachments), caseId)
        }
        let (forwarded, attachments) = pair.forwardedPayload(fresh, form)
        switch refusal {
        case .wrongReceiver:
            return try toCity(.caseForwarded, fresh, receiver: "220199", forwarded, attachments: attachments)
        case .staleMessage:
            return try toCity(.caseForwarded, fresh, sentAt: Date().addingTimeInterval(-31 * 86400).formatted(.iso8601), forwarded, attachments: attachments)
        case .malformedMessage:
            return try toCity(.caseForwarded, fresh, sentAt: "昨天", forwarded, attachments: attachments)
        case .malformedPayload:
            return try toCity(.caseForwarded, fresh, PingPayload(nonce: "not a case"))
        case .wrongDirection:
            let notice = SupplementNotice(issuedBy: .city, round: 1, findings: [], issuedOn: today, supplyBy: nil)
            return try toCity(.supplementRequested, fresh, SupplementRequestedPayload(notice: notice, revision: 1))
        case .unknownCase:
            return try toCity(.caseResubmitted, fresh, CaseResubmittedPayload(revision: 2, form: form, materials: [], resumedOn: today))
        case .notYourCase:
            // The city's own numbering: a county forwards only its own cases.
            let (other, bytes) = pair.forwardedPayload("220100-2026-0001", form)
            return try toCity(.caseForwarded, "220100-2026-0001", other, attachments: bytes)
        case .caseExists:
            let (again, bytes) = pair.forwardedPayload(held, form)
            return try toCity(.caseForwarded, held, sequence: 2, again, attachments: bytes)
        case .illegalTransition:
            // Under final review, no opinion yet: nothing to launch.
            return try toCity(.launchConfirmed, held, sequence: 2, LaunchConfirmedPayload(revision: 1, form: form, launchDate: today.adding(days: 10), confirmedOn: today))
        case .staleRevision:
            return try toCity(.caseRevised, held, sequence: 2, CaseRevisedPayload(revision: 1, form: form, revisedOn: today))
        case .materialDigestMismatch:
            let (swapped, _) = pair.forwardedPayload(fresh, form, materials: [TransferredMaterial(reference: form.materials[0], attachment: 0)])
            return try toCity(.caseForwarded, fresh, swapped, attachments: [Data("另一份材料".utf8)])
        case .badOpinionSignature:
            let payload = OpinionIssuedPayload(opinion: Data("{}".utf8), signature: Data(count: 64), signerPublicKey: city.services.identity.publicKeyBase64,
                                               countyWorkdays: nil, cityWorkdays: nil)
            return (try FederationPair.craft(from: city, to: "220183", .opinionIssued, caseId: fresh, sequence: 1, payload), fresh)
        case .messageTooLarge:
            return try toCity(.caseForwarded, fresh, forwarded, attachments: attachments + [Data(count: FederationWire.maxEnvelopeBytes)])
        case .outOfOrder:
            return try toCity(.caseResubmitted, held, sequence: 3, CaseResubmittedPayload(revision: 2, form: form, materials: [], resumedOn: today))
        }
    }

    @Test(arguments: Refusal.allCases)
    func aRefusedMessageIsAnsweredWithItsCodeAndChangesNothing(_ refusal: Refusal) async throws {
        let pair = try await FederationPair(cityMaxMessageBytes: FederationWire.maxEnvelopeBytes)
        defer { pair.cleanUp() }
        let form = try await pair.exampleForm(upload: false)
        if refusal.needsForwardedCase {
            let (payload, attachments) = pair.forwardedPayload(Self.held, form)
            let forwarded = try FederationPair.craft(from: pair.county, to: "220100", .caseForwarded, caseId: Self.held, sequence: 1, payload, attachments: attachments)
            let answer = try await pair.send(forwarded, to: pair.city)
            try #require(answer.status == 200, "\(answer)")
        }
        if refusal == .staleRevision {
            _ = try await pair.atCity.issueOpinion(Self.held, outcome: .notPassed, changes: [RequiredChange(itemIndex: 0, element: nil, change: "补充咨询时间")],
                                                   remarks: nil, by: pair.cityReviewer)
        }
        let receiver = refusal == .badOpinionSignature ? pair.county : pair.city
        let (message, caseId) = try Self.message(refusal, pair, form)
        let before = try await Snapshot(receiver, caseId: caseId, sender: message.sender)

        let answer = try await pair.send(message, to: receiver)
        #expect(answer.status == refusal.status)
        #expect(answer.code == refusal.rawValue)
        #expect(answer.permanent == (refusal == .outOfOrder ? nil : true))

        #expect(try await Snapshot(receiver, caseId: caseId, sender: message.sender) == before)
        #expect(try await receiver.services.store.read { db in try NodeStore.inboxEntry(db, id: message.id) } == nil)
    }

    /// A batch of more than ``FederationBatch/maximumItems`` messages is refused as a whole
    /// (400 `malformed-message`) and none of it applied; the limit itself is taken.
    @Test func aBatchOfMoreThanTheLimitIsRefusedWhole() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        func batch(_ count: Int) throws -> (Data, [String]) {
            let messages = try (0..<count).map { number in
                try FederationPair.craft(from: pair.county, to: "220100", .countyLedgerReported, caseId: nil, sequence: number + 1,
                                         CountyLedgerReport(entries: []))
            }
            return (FederationBatch.encode(messages.map { (signature: $0.signature, frame: $0.frame) }), messages.map(\.id))
        }
        let url = pair.city.configuration.publicURL!
        let (tooMany, tooManyIds) = try batch(FederationBatch.maximumItems + 1)
        let refused = try await pair.transport.sendBatch(tooMany, sender: "220183", to: url)
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("malformed-message"))
        for id in tooManyIds {
            #expect(try await pair.city.services.store.read { db in try NodeStore.inboxEntry(db, id: id) } == nil)
        }
        let (limit, _) = try batch(FederationBatch.maximumItems)
        let taken = try await pair.transport.sendBatch(limit, sender: "220183", to: url)
        #expect(taken.status == 200)
        let reply = try JSONDecoder().decode(FederationBatchReply.self, from: taken.body)
        #expect(reply.results.count == FederationBatch.maximumItems && reply.results.allSatisfy { $0.status == 200 })
    }

    /// The codes above are exactly the permanent refusals and `out-of-order`.
    @Test func everyPermanentRefusalIsProduced() {
        let codes = Set(Refusal.allCases.map(\.rawValue))
        #expect(codes.subtracting(["out-of-order"]) == FederationReceiver.permanentRefusals)
        #expect(!FederationReceiver.permanentRefusals.contains("out-of-order"))
    }
}
