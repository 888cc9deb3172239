import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// A county (220183, 德惠) and the city (220100) joined by ``InProcessPeerTransport``, with a
/// drafter and a reviewer on each side, driven through ``CaseWorkflow`` directly. Messages
/// travel only while ``running(_:)`` runs the nodes' services (the delivery service), or when
/// a test hands a crafted frame to ``send(_:to:)``.
struct FederationPair {
    typealias Node = InProcessFederationTests.Node

    let transport: InProcessPeerTransport
    let county: Node
    let city: Node
    let drafter: UserRecord
    let countyReviewer: UserRecord
    let cityReviewer: UserRecord
    let today: CivilDate

    static let unit = "德惠市科学技术局"

    /// - Parameter cityMaxMessageBytes: the city's limit per message (frame bytes), when not the default.
    init(today: CivilDate = Fixtures.date("2026-03-02"), cityMaxMessageBytes: Int? = nil) async throws {
        self.today = today
        transport = InProcessPeerTransport()
        county = try Node(nodeId: "220183", tier: .county, transport: transport, today: today)
        city = try Node(nodeId: "220100", tier: .city, transport: transport, today: today) { configuration in
            if let cityMaxMessageBytes { configuration.maxMessageBytes = cityMaxMessageBytes }
        }
        try await county.link(to: city)
        try await city.link(to: county)
        drafter = try await Self.user(county, .drafter, unit: Self.unit)
        countyReviewer = try await Self.user(county, .countyReviewer)
        cityReviewer = try await Self.user(city, .cityReviewer)
    }

    private static func user(_ node: Node, _ role: Role, unit: String? = nil) async throws -> UserRecord {
        let isCity = node.configuration.isCity
        return try await node.services.store.write { db in
            try NodeStore.createUser(db, name: role.rawValue, role: role, unit: unit, isCityNode: isCity).0
        }
    }

    func cleanUp() {
        county.cleanUp()
        city.cleanUp()
    }

    var atCounty: CaseWorkflow { CaseWorkflow(services: county.services) }
    var atCity: CaseWorkflow { CaseWorkflow(services: city.services) }

    /// Runs `body` while both nodes' services run (or `county`'s in place of the pair's), so
    /// that queued messages are delivered.
    func running(county: Node? = nil, city: Node? = nil, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let countyApp = try NodeApplication.build(services: (county ?? self.county).services, logger: Logger(label: "test-county"))
        let cityApp = try NodeApplication.build(services: (city ?? self.city).services, logger: Logger(label: "test-city"))
        try await cityApp.test(.router) { _ in
            try await countyApp.test(.router) { _ in try await body() }
        }
    }

    // MARK: Cases

    /// The example form (`launch-clean.json`); with `upload`, its materials uploaded at the
    /// county by the drafter (each example digest is of "示例材料:" + its title).
    func exampleForm(upload: Bool = true) async throws -> CaseForm {
        let form = try JSONDecoder().decode(CaseForm.self, from: try Fixtures.exampleData("launch-clean.json"))
        if upload {
            let unit = Self.unit
            let blobs = Self.materialBytes(form)
            try await county.services.store.write { db in
                for (digest, bytes) in blobs {
                    try NodeStore.storeUpload(db, MaterialBlobRecord(sha256: digest, bytes: bytes.count, content: bytes, uploadedBy: nil, createdAt: Date()), unit: unit)
                }
            }
        }
        return form
    }

    /// The bytes of each example material, by digest.
    static func materialBytes(_ form: CaseForm) -> [(String, Data)] {
        form.materials.map { ($0.sha256 ?? "", Data(("示例材料:" + ($0.title ?? "")).utf8)) }
    }

    /// A case submitted, accepted, reviewed and forwarded at the county (its message queued).
    func forwardedCase() async throws -> (String, CaseForm) {
        let form = try await exampleForm()
        let id = try await atCounty.submit(form, by: drafter).id
        _ = try await atCounty.accept(id, by: countyReviewer)
        _ = try await atCounty.completePreliminaryReview(id, conclusion: "初审通过,报市级审定", by: countyReviewer)
        _ = try await atCounty.forward(id, by: countyReviewer)
        return (id, form)
    }

    // MARK: Reading a node

    func record(_ node: Node, _ id: String) async throws -> CaseRecord? {
        try await node.services.store.read { db in try NodeStore.caseRecord(db, id) }
    }

    func actions(_ node: Node, _ id: String) async throws -> [String] {
        try await node.services.store.read { db in try NodeStore.events(db, caseId: id).map(\.action) }
    }

    /// Waits (at most about 10 s) until `node` holds case `id` in a form `condition` accepts.
    func until(_ node: Node, _ id: String, _ condition: (CaseRecord) -> Bool) async throws -> CaseRecord? {
        for _ in 0..<200 {
            if let record = try await record(node, id), condition(record) { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    // MARK: Crafted messages

    /// A message signed by `sender` as its outbox would sign it.
    struct Crafted {
        var id: String
        var frame: Data
        var signature: Data
        var sender: String
    }

    static func craft<Payload: Codable & Sendable>(from sender: Node, to receiver: String, _ type: FederationMessageType, caseId: String?,
                                                   sequence: Int, sentAt: String = Date().formatted(.iso8601), _ payload: Payload,
                                                   attachments: [Data] = []) throws -> Crafted {
        let envelope = FederationEnvelope(id: UUID().uuidString.lowercased(), sender: sender.configuration.nodeId, receiver: receiver, type: type,
                                          caseId: caseId, sequence: sequence, sentAt: sentAt, chainHead: EventRecord.genesis, payload: payload)
        let (frame, signature) = try Outbox.signed(envelope, attachments: attachments, identity: sender.services.identity)
        return Crafted(id: envelope.id, frame: frame, signature: signature, sender: sender.configuration.nodeId)
    }

    /// Posts `message` to `node` as the peer transport does; returns the status and the error
    /// body's `code` and `permanent` (nil on success).
    func send(_ message: Crafted, to node: Node) async throws -> (status: Int, code: String?, permanent: Bool?) {
        let answer = try await transport.send(frame: message.frame, signature: message.signature, sender: message.sender, to: node.configuration.publicURL!)
        let error = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"] as? [String: Any]
        return (answer.status, error?["code"] as? String, error?["permanent"] as? Bool)
    }

    /// What the county forwards for case `id` of `form` (materials attached, or as given).
    func forwardedPayload(_ id: String, _ form: CaseForm, materials: [TransferredMaterial]? = nil) -> (CaseForwardedPayload, [Data]) {
        let blobs = Self.materialBytes(form)
        let transferred = materials ?? form.materials.enumerated().map { TransferredMaterial(reference: $0.element, attachment: $0.offset) }
        let payload = CaseForwardedPayload(
            caseId: id, kind: form.policy.kind, title: form.policy.title ?? "", documentNumber: form.policy.documentNumber,
            draftingUnit: form.policy.draftingUnit ?? "", divisionCode: form.policy.divisionCode ?? "", submittedOn: today, effectiveDate: nil,
            lateApplication: false, revision: 1, form: form, materials: transferred, countyFindings: [], preliminaryConclusion: "初审通过",
            clock: ClockState(acceptedOn: today, limit: 10, stops: []), forwardedOn: today)
        return (payload, blobs.map(\.1))
    }
}
