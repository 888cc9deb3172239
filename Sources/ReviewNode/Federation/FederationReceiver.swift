import Crypto
import Foundation
import HTTPTypes
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Receives signed messages from peers: verifies the sender, the signature, the link state and
/// the case's ownership, then applies the message and records its id in one transaction. A
/// redelivered message is answered with the first result and has no second effect.
struct FederationReceiver: Sendable {
    let services: NodeServices

    struct Result: Codable, Sendable {
        var applied: String
        var caseId: String?
        var duplicate: Bool?
        /// For a chain check: this node's proof, and its Ed25519 signature over the proof's
        /// canonical JSON (`proofJSON`, the exact signed bytes).
        var proofJSON: Data?
        var proofSignature: Data?
    }

    /// Applies a message ``FederationIntake`` read and verified, and records its id, in one
    /// transaction; a redelivery is answered with the first result and has no effect.
    func receive(_ message: VerifiedMessage) async throws -> Result {
        let envelope = message.header
        try checkTimely(envelope)
        if envelope.type == .ping { return Result(applied: "ping", caseId: nil) }
        if envelope.type == .chainCheck { return try await chainProof(message) }
        let services = self.services
        let message = message.prepared()
        return try await services.store.write { db in try Self.apply(message, in: db, services: services) }
    }

    /// Applies a batch's items in order in one transaction, each in its own savepoint: a
    /// refused item is rolled back alone and the others are applied; once an item of a case
    /// was refused, the batch's later items of that case are skipped (left for the sender to
    /// send again). Answers one result per item.
    /// - Throws: a storage fault (the whole batch is rolled back; the sender retries).
    func receiveBatch(_ items: [BatchItem]) async throws -> FederationBatchReply {
        let services = self.services
        let prepared: [(id: String?, caseId: String?, message: VerifiedMessage?, refusal: APIError?)] = items.map { item in
            switch item {
            case .refused(let id, let caseId, let error):
                return (id, caseId, nil, error)
            case .verified(let message):
                do {
                    try checkTimely(message.header)
                    guard message.header.type != .ping, message.header.type != .chainCheck else {
                        throw reject(.badRequest, "malformed-message", "\(message.header.type.rawValue) is not sent in a batch")
                    }
                    return (message.header.id, message.header.caseId, message.prepared(), nil)
                } catch let error as APIError {
                    return (message.header.id, message.header.caseId, nil, error)
                } catch {
                    return (message.header.id, message.header.caseId, nil, reject(.badRequest, "malformed-message", "\(error)"))
                }
            }
        }
        return try await services.store.write { db in
            // Caseless messages form one queue (nil), as in the sender's outbox.
            var refusedCases = Set<String?>()
            var results: [FederationBatchReply.Item] = []
            for item in prepared {
                if refusedCases.contains(item.caseId) {
                    results.append(.init(id: item.id, status: 409, skipped: true))
                    continue
                }
                var refusal = item.refusal
                if let message = item.message {
                    do {
                        try NodeStore.inSavepoint(db) {
                            _ = try Self.apply(message, in: db, services: services)
                        }
                    } catch let error as APIError {
                        refusal = error
                    } catch {
                        if APIError.storage(error) != nil { throw error }
                        refusal = APIError(.internalServerError, code: "internal", message: "服务器内部错误,请联系运维人员",
                                           detail: String(describing: error).prefix(300).description)
                    }
                }
                if let refusal {
                    refusedCases.insert(item.caseId)
                    results.append(.init(id: item.id, status: Int(refusal.status.code),
                                         error: .init(code: refusal.body.code, message: refusal.body.message, detail: refusal.body.detail,
                                                      permanent: refusal.body.permanent)))
                } else {
                    results.append(.init(id: item.id, status: 200))
                }
            }
            return FederationBatchReply(results: results)
        }
    }

    /// Refuses a message meant for another node, older than the freshness window (so that
    /// inbox ids older than it can be pruned without opening the door to replays) or from
    /// too far in the future.
    private func checkTimely(_ envelope: FederationHeader) throws {
        let configuration = services.configuration
        guard envelope.receiver == configuration.nodeId else {
            throw reject(.misdirectedRequest, "wrong-receiver", "message for \(envelope.receiver), this is \(configuration.nodeId)")
        }
        let now = Date()
        guard let sentAt = try? Date(envelope.sentAt, strategy: .iso8601) else {
            throw reject(.badRequest, "malformed-message", "sentAt '\(envelope.sentAt.prefix(40))' is not an ISO 8601 time")
        }
        guard sentAt >= now.addingTimeInterval(-configuration.messageFreshness) else {
            throw reject(.unprocessableContent, "stale-message", "sent at \(envelope.sentAt), older than this node's freshness window of \(configuration.messageFreshness / 86400) days")
        }
        guard sentAt <= now.addingTimeInterval(configuration.allowedClockSkew) else {
            throw reject(.unprocessableContent, "stale-message", "sent at \(envelope.sentAt), in the future by more than \(Int(configuration.allowedClockSkew)) s")
        }
    }

    /// Applies one timely message and records its id, inside the caller's transaction.
    private static func apply(_ message: VerifiedMessage, in db: StoreTransaction, services: NodeServices) throws -> Result {
        let envelope = message.header
        let link = message.link
        if let previous = try NodeStore.inboxResult(db, id: envelope.id) {
            var result = try JSONDecoder().decode(Result.self, from: previous)
            result.duplicate = true
            return result
        }
        if envelope.caseId != nil, try NodeStore.meta(db, Resync.pendingKey(envelope.sender)) != nil {
            // Restored here: the sender's resent stream comes first, in order; a direct case
            // message waits (only this message: the stream flows on).
            throw Self.reject(.conflict, "out-of-order", "this node was restored from a backup and is resyncing with \(envelope.sender); retry later")
        }
        if let caseId = envelope.caseId {
            // From inboxSequence, not the inbox: it survives the pruning of old ids.
            let last = try NodeStore.lastAppliedSequence(db, sender: envelope.sender, caseId: caseId)
            guard envelope.sequence == last + 1 else {
                throw Self.reject(.conflict, "out-of-order", "message \(envelope.sequence) for case \(caseId); expected \(last + 1)")
            }
            try NodeStore.recordAppliedSequence(db, sender: envelope.sender, caseId: caseId, sequence: envelope.sequence)
        }
        // Taken before applying: a reaction queued while applying (the city's `received`) is
        // then later than the receipt, and a resync orders both by these times.
        let receivedAt = Date()
        let apply = Apply(services: services, db: db, envelope: envelope, json: message.json, attachments: message.attachments, link: link,
                          decoded: message.payload, attachmentDigests: message.attachmentDigests)
        let result = try apply.run()
        var inbox = InboxRecord(id: envelope.id, sender: envelope.sender, receivedAt: receivedAt, result: try CaseWorkflow.canonicalJSON(result),
                                caseId: envelope.caseId, sequence: envelope.caseId == nil ? nil : envelope.sequence, type: envelope.type,
                                chainHead: envelope.chainHead)
        if envelope.caseId != nil {
            // The store keeps the frame's head and references the attachments it holds as blobs.
            inbox.frame = FederationFrame.encode(json: message.json)
            inbox.signature = message.signature
        }
        try NodeStore.recordReceived(db, inbox, from: link.nodeId, attachments: envelope.caseId != nil ? message.attachments : [],
                                     digests: message.attachmentDigests)
        return result
    }

    /// Answers a peer's chain check: which of the heads this node sent it are still in its log,
    /// signed with this node's key. Read-only; not recorded in the inbox.
    private func chainProof(_ message: VerifiedMessage) async throws -> Result {
        let heads: [String]
        do {
            heads = try JSONDecoder().decode(FederationEnvelope<ChainCheckPayload>.self, from: message.json).payload.heads
        } catch {
            throw reject(.unprocessableContent, "malformed-payload", "chainCheck: \(error)")
        }
        guard heads.count <= ChainCheckPayload.maximumHeads else {
            throw reject(.unprocessableContent, "malformed-payload", "chainCheck: more than \(ChainCheckPayload.maximumHeads) heads")
        }
        let nodeId = services.configuration.nodeId
        let proof = try await services.store.read { db -> ChainProof in
            var found: [String: Int64] = [:]
            var missing: [String] = []
            for head in heads {
                if head == EventRecord.genesis { continue }
                if let seq = try NodeStore.eventSeq(db, hash: head) { found[head] = seq } else { missing.append(head) }
            }
            return ChainProof(node: nodeId, checkedAt: Date().formatted(.iso8601), found: found, missing: missing,
                              head: try NodeStore.chainHead(db), intact: try NodeStore.firstBrokenEvent(db) == nil)
        }
        let json = try CaseWorkflow.canonicalJSON(proof)
        return Result(applied: "chainCheck", caseId: nil, proofJSON: json, proofSignature: try services.identity.sign(json))
    }

    private func reject(_ kind: ReviewError.Kind, _ code: String, _ detail: String) -> APIError {
        Self.reject(kind, code, detail)
    }

    /// Refusals that concern the content, not the link or the moment: the sender must not
    /// block its other cases retrying them (it makes them dead letters).
    static let permanentRefusals: Set<String> = [
        "not-your-case", "case-exists", "illegal-transition", "malformed-payload", "material-digest-mismatch", "message-too-large",
        "stale-message", "stale-revision", "wrong-direction", "wrong-receiver", "unknown-case", "bad-opinion-signature", "malformed-message",
    ]

    static func reject(_ kind: ReviewError.Kind, _ code: String, _ detail: String) -> APIError {
        APIError(kind, code: code, message: "节点消息被拒绝", detail: detail, permanent: permanentRefusals.contains(code) ? true : nil)
    }
}

/// Applying one verified message inside the receiving transaction.
struct Apply {
    let services: NodeServices
    let db: StoreTransaction
    let envelope: FederationHeader
    /// The whole envelope, decoded again with the payload's type.
    let json: Data
    /// The materials' bytes.
    let attachments: [Data]
    let link: LinkRecord
    /// The payload decoded before the transaction (``VerifiedMessage/prepared()``), if it was.
    var decoded: DecodedPayload? = nil
    /// The attachments' SHA-256 digests computed before the transaction, if they were.
    var attachmentDigests: [String]? = nil

    var configuration: NodeConfiguration { services.configuration }
    var today: CivilDate { services.today.date }

    /// The typed payload. Peers' messages are signed machine output, so they are decoded with
    /// the plain decoder (a newer peer's extra fields are ignored), not the strict one used
    /// for people's input.
    func payload<T: Codable & Sendable>(_ type: T.Type) throws -> T {
        if let decoded {
            assert(decoded.type == T.self, "\(envelope.type) carries \(envelope.type.payloadType), not \(T.self)")
            if let value = try decoded.value(as: type) { return value }
        }
        do {
            return try JSONDecoder().decode(FederationEnvelope<T>.self, from: json).payload
        } catch {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "\(envelope.type.rawValue): \(error)")
        }
    }

    func run() throws -> FederationReceiver.Result {
        switch envelope.type {
        case .caseForwarded: try caseForwarded()
        case .caseResubmitted: try caseResubmitted()
        case .launchConfirmed: try launchConfirmed()
        case .received: try received()
        case .supplementRequested: try supplementRequested()
        case .opinionIssued: try opinionIssued()
        case .keyRotated: try keyRotated()
        case .ping, .chainCheck: FederationReceiver.Result(applied: envelope.type.rawValue, caseId: nil)
        case .countyLedgerReported: try countyLedgerReported()
        case .disagreementRecorded: try disagreementRecorded()
        case .caseRevised: try caseRevised()
        case .coordinationRecorded: try coordinationRecorded()
        case .reReviewStarted: try reReviewStarted()
        case .resyncRequested: try resyncRequested()
        case .resent: try resent()
        case .resyncCompleted: try resyncCompleted()
        }
    }

    var actor: String { CaseActor.peer(envelope).name }

    /// The case this message is about, to change as the sender's: it must have come from (or
    /// gone to) the sender.
    func ownedCase() throws -> CaseTransaction {
        try CaseTransaction(db, services: services, message: envelope)
    }

    /// `<node>-<year>-<sequence>` (``CaseIdentifier``) with the sender's id and a year from 2000.
    static func isCaseId(_ id: String, of node: String) -> Bool {
        CaseIdentifier.isWellFormed(id) && id.hasPrefix(node + "-") && Int(id.dropFirst(node.count + 1).prefix(4)).map { $0 >= 2000 } == true
    }

    func requireTier(_ tier: Tier) throws {
        guard configuration.tier == tier, link.tier != tier else {
            throw FederationReceiver.reject(.unprocessableContent, "wrong-direction", "\(envelope.type.rawValue) goes from a \(tier == .city ? "county" : "city") node to a \(tier.rawValue) node")
        }
    }

    func storeMaterials(_ materials: [TransferredMaterial], caseId: String) throws {
        guard Set(materials.map(\.attachment)) == Set(attachments.indices) else {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "attachments not named by the signed envelope")
        }
        for (index, material) in materials.enumerated() {
            guard attachments.indices.contains(material.attachment) else {
                throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "materials[\(index)]: no attachment \(material.attachment)")
            }
            let content = attachments[material.attachment]
            let digest = attachmentDigests?[material.attachment] ?? SHA256.hash(data: content).hexString
            guard digest == material.reference.sha256?.lowercased() else {
                throw FederationReceiver.reject(.unprocessableContent, "material-digest-mismatch",
                                                "materials[\(index)]: bytes hash to \(digest), declared \(material.reference.sha256 ?? "-")")
            }
            try NodeStore.storeTransferred(
                db, blob: MaterialBlobRecord(sha256: digest, bytes: content.count, content: content, uploadedBy: nil, createdAt: Date()),
                material: CaseMaterialRecord(caseId: caseId, kind: material.reference.kind, title: material.reference.title, fileName: material.reference.fileName,
                                             sha256: digest, bytes: content.count, addedOn: today))
        }
    }

    // MARK: At the city

    func caseForwarded() throws -> FederationReceiver.Result {
        try requireTier(.city)
        let body = try payload(CaseForwardedPayload.self)
        // A county forwards only its own cases: the id carries its node id and the policy's
        // division lies within it.
        let divisions = services.linter.configuration.divisions
        guard envelope.caseId == body.caseId, Self.isCaseId(body.caseId, of: envelope.sender),
              divisions.contains(body.divisionCode, within: envelope.sender),
              body.form.policy.divisionCode.map({ divisions.contains($0, within: envelope.sender) }) ?? false
        else {
            throw FederationReceiver.reject(.forbidden, "not-your-case", "case \(body.caseId) (division \(body.divisionCode)) is not \(envelope.sender)'s")
        }
        if try NodeStore.caseExists(db, body.caseId) {
            throw FederationReceiver.reject(.conflict, "case-exists", "case \(body.caseId) was already forwarded")
        }
        let machine = try ReviewStateMachine(context: .init(kind: body.kind, level: .county, node: .city))
        var record = CaseRecord.forwarded(body, origin: envelope.sender, state: machine.state, calendar: services.calendar)
        // Art 13: the policy's launch case, when the county names one of its own.
        if let original = body.form.policy.originalCaseId, original.hasPrefix(envelope.sender + "-") { record.originalCaseId = original }
        var change = try CaseTransaction(db, services: services, inserting: record, by: .peer(envelope))
        try NodeStore.insert(db, revision: RevisionRecord(caseId: record.id, revision: body.revision, form: try decoded?.formJSON ?? CaseWorkflow.canonicalJSON(body.form),
                                                          createdOn: today, createdBy: nil))
        try storeMaterials(body.materials, caseId: record.id)
        for var row in try body.countyNoticeRecords() { try NodeStore.insert(db, notice: &row) }
        // Issue 18 and Art 6: the consultation and the county's expert sessions, as the county recorded them.
        if let consultation = body.consultation {
            try NodeStore.setCaseConsultation(db, caseId: record.id, summary: try CaseWorkflow.canonicalJSON(consultation))
        }
        for (index, session) in (body.expertSessions ?? []).enumerated() {
            var numbered = session
            numbered.number = index + 1
            try NodeStore.addExpertSession(db, caseId: record.id, number: numbered.number, body: try CaseWorkflow.canonicalJSON(numbered))
        }
        try change.log("receiveForwarded", ["revision": String(body.revision), "materials": String(body.materials.count)])
        try change.send(.received, to: envelope.sender, ReceivedPayload(cityCaseNumber: record.id, receivedOn: today))
        return .init(applied: envelope.type.rawValue, caseId: record.id)
    }

    /// A message about a case the sender shares, applied at `tier`: `step` makes the change the
    /// sender's side made (through the same ``CaseTransaction`` steps) and names the event; the
    /// skeleton saves it (publishing a confirmed launch).
    func onCase<Payload: Codable & Sendable>(at tier: Tier, _ type: Payload.Type,
                                            _ step: (inout CaseTransaction, Payload) throws -> (String, [String: String])) throws -> FederationReceiver.Result {
        try requireTier(tier)
        let body = try payload(type)
        var change = try ownedCase()
        let (action, details) = try step(&change, body)
        try change.save(action, details)
        return .init(applied: envelope.type.rawValue, caseId: change.caseId)
    }

    func caseResubmitted() throws -> FederationReceiver.Result {
        try onCase(at: .city, CaseResubmittedPayload.self) { change, body in
            try change.move(.resubmit)
            try storeMaterials(body.materials, caseId: change.caseId)
            try change.resubmitted(revision: body.revision, form: body.form, createdOn: today, resumedOn: body.resumedOn)
            return ("receiveResubmission", ["revision": String(body.revision)])
        }
    }

    func launchConfirmed() throws -> FederationReceiver.Result {
        try onCase(at: .city, LaunchConfirmedPayload.self) { change, body in
            try change.catchUp(to: body.revision, form: body.form, createdOn: today)
            try change.confirmLaunch(body.launchDate, confirmedOn: body.confirmedOn)
            // Art 13: a withdrawal's date is the day the policy goes offline.
            return (change.record.kind == .withdrawal ? "receiveWithdrawalConfirmation" : "receiveLaunchConfirmation",
                    ["launchDate": body.launchDate.description])
        }
    }

    /// Art 15: a county's ledger entries, for cases it holds whether forwarded or not. Only its
    /// own cases (the id names the county); a newer entry replaces an older.
    func countyLedgerReported() throws -> FederationReceiver.Result {
        try requireTier(.city)
        let body = try payload(CountyLedgerReport.self)
        guard body.entries.count <= CountyLedgerReport.maximumEntries else {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "more than \(CountyLedgerReport.maximumEntries) entries")
        }
        for entry in body.entries {
            guard entry.caseId.hasPrefix(envelope.sender + "-") else {
                throw FederationReceiver.reject(.forbidden, "not-your-case", "case \(entry.caseId) is not \(envelope.sender)'s")
            }
            try NodeStore.upsertCountyCase(db, origin: envelope.sender, caseId: entry.caseId, state: entry.state,
                                           submittedOn: entry.submittedOn.description, updatedAt: entry.updatedAt,
                                           entry: try CaseWorkflow.canonicalJSON(entry))
        }
        return .init(applied: envelope.type.rawValue, caseId: nil)
    }

    /// Art 9: the drafter's disagreement reaches the tier that issued the opinion.
    func disagreementRecorded() throws -> FederationReceiver.Result {
        try onCase(at: .city, DisagreementRecordedPayload.self) { change, body in
            try change.recordDisagreement(body.reason)
            return ("receiveDisagreement", ["reason": body.reason])
        }
    }

    /// Art 9: a revision after the opinion; the city holds the same content as the county.
    func caseRevised() throws -> FederationReceiver.Result {
        try onCase(at: .city, CaseRevisedPayload.self) { change, body in
            try change.beginRevisionUnlessRevising()
            guard body.revision > change.record.currentRevision else {
                throw FederationReceiver.reject(.conflict, "stale-revision", "revision \(body.revision) is not newer than \(change.record.currentRevision)")
            }
            try change.addRevision(body.revision, form: body.form, createdOn: today)
            change.record.revisedOn = body.revisedOn
            return ("receiveRevision", ["revision": String(body.revision)])
        }
    }

    // MARK: At the county

    /// Art 9 → Art 8: the city reviews the revision again; the case waits for its new opinion.
    func reReviewStarted() throws -> FederationReceiver.Result {
        try onCase(at: .county, ReReviewStartedPayload.self) { change, body in
            try change.move(.receiveReReview)
            change.record.revisionDueOn = nil
            return ("cityReReview", ["revision": String(body.revision), "startedOn": body.startedOn.description])
        }
    }

    /// Art 9: the city's coordination result after the drafter's disagreement.
    func coordinationRecorded() throws -> FederationReceiver.Result {
        try onCase(at: .county, CoordinationRecordedPayload.self) { change, body in
            try change.recordCoordination(body.outcome)
            return ("receiveCoordination", ["outcome": body.outcome])
        }
    }

    func received() throws -> FederationReceiver.Result {
        try onCase(at: .county, ReceivedPayload.self) { change, body in
            change.record.cityCaseNumber = body.cityCaseNumber
            change.record.cityReceivedOn = body.receivedOn
            return ("cityReceived", ["cityCaseNumber": body.cityCaseNumber])
        }
    }

    func supplementRequested() throws -> FederationReceiver.Result {
        try onCase(at: .county, SupplementRequestedPayload.self) { change, body in
            try change.move(.receiveSupplementRequest)
            // Art 8: the city's supplement time is not counted either.
            change.stopClock(on: body.notice.issuedOn)
            change.record.dueOn = nil
            var notice = NoticeRecord(id: nil, caseId: change.caseId, type: .supplement, round: try CaseWorkflow.nextRound(db, change.caseId, .supplement),
                                      issuedBy: .city, issuedOn: body.notice.issuedOn, supplyBy: body.notice.supplyBy, revision: body.revision,
                                      body: try CaseWorkflow.canonicalJSON(body.notice), answeredOn: nil)
            try NodeStore.insert(db, notice: &notice)
            return ("receiveSupplementRequest", ["findings": String(body.notice.findings.count), "clockStopped": body.notice.issuedOn.description])
        }
    }

    func opinionIssued() throws -> FederationReceiver.Result {
        try requireTier(.county)
        let body = try payload(OpinionIssuedPayload.self)
        guard body.signerPublicKey == link.publicKey || body.signerPublicKey == link.previousPublicKey,
              NodeIdentity.verify(body.signature, of: body.opinion, publicKey: body.signerPublicKey)
        else { throw FederationReceiver.reject(.unauthorized, "bad-opinion-signature", "the opinion's signature does not verify with the city's key") }
        let opinion: ReviewOpinion
        do {
            opinion = try JSONDecoder().decode(ReviewOpinion.self, from: body.opinion)
        } catch {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "opinion: \(error)")
        }
        var change = try ownedCase()
        try change.move(.receiveOpinion(opinion.outcome))
        // Art 9: 5 working days from the day the county received it.
        try change.recordOpinion(opinion, bytes: body.opinion, signature: body.signature, signerPublicKey: body.signerPublicKey, supersededOn: today,
                                 revisionDue: try? services.calendar.revisionDue(opinionReceived: today))
        change.record.countyWorkdays = body.countyWorkdays
        change.record.cityWorkdays = body.cityWorkdays
        try change.save("receiveOpinion", ["number": opinion.number.description, "outcome": opinion.outcome.rawValue])
        return .init(applied: envelope.type.rawValue, caseId: change.caseId)
    }

    // MARK: Either way

    func keyRotated() throws -> FederationReceiver.Result {
        let body = try payload(KeyRotatedPayload.self)
        guard let raw = Data(base64Encoded: body.newPublicKey), raw.count == 32 else {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "newPublicKey is not an Ed25519 key")
        }
        // A grace period beyond a year (or unreadable) is refused: a far-future date would also
        // be unreadable from the database afterwards.
        guard let until = ISO8601DateFormatter().date(from: body.oldKeyValidUntil), until <= Date().addingTimeInterval(366 * 86400) else {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "oldKeyValidUntil '\(body.oldKeyValidUntil.prefix(40))' is not within a year")
        }
        try NodeStore.rotatePeerKey(db, peer: envelope.sender, newPublicKey: body.newPublicKey, oldKeyValidUntil: until)
        try NodeStore.recordKey(db, nodeId: envelope.sender, publicKey: body.newPublicKey)
        try NodeStore.appendEvent(db, caseId: nil, actor: actor, action: "peerKeyRotated",
                                  payload: ["peer": envelope.sender, "fingerprint": NodeIdentity.fingerprint(ofPublicKey: body.newPublicKey)])
        return .init(applied: envelope.type.rawValue, caseId: nil)
    }
}
