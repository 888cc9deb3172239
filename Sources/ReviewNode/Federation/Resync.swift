import Crypto
import Foundation
import HTTPTypes
import Logging
import ReviewProtocol
import ReviewRules
import ReviewStore
import ServiceLifecycle

/// Resync after a restore (issue 17; README, Federation).
///
/// A node restored from a backup lost what happened after it: messages its peers delivered
/// to it (and marked delivered), and its own messages that the peers applied. On its next
/// start it sends each peer a signed `resyncRequested` with, per case, the last sequence it
/// applied from that peer and the last sequence it holds for that peer. The peer answers, in
/// its transaction, by queuing one caseless `resent` message per lost message, in the order
/// it sent or received them (its own clock orders both): its own messages after `applied`,
/// and the restored node's own messages it applied after `sent` (their exact frames, kept
/// with the received message for the retention window), then `resyncCompleted`. The
/// restored node applies the peer's messages as if they came now (ids and per-case sequences
/// make any overlap harmless) and re-learns its own: it re-applies the state change that
/// caused each (a city's supplement request, an opinion with its original number and
/// signature) and keeps it as delivered in its outbox, so that its next message continues
/// the case's sequence. Until `resyncCompleted`, the restored node sends that peer nothing
/// about cases and refuses its direct case messages (they wait and flow afterwards).
enum Resync {
    /// `nodeMeta` key present while the resync with `peer` is under way.
    static func pendingKey(_ peer: String) -> String { "resync.pending.\(peer)" }
    /// `nodeMeta` key with the figures of the finished resync with `peer` (JSON).
    static func resultKey(_ peer: String) -> String { "resync.result.\(peer)" }
    /// The `nodeMeta` keys the restored node keeps while `peer`'s stream comes in. Cleared when
    /// a resync is requested (a backup may hold an earlier resync's) and once it completed.
    struct StreamKeys {
        /// Messages of the stream applied here, a count.
        var applied: String
        /// Cases whose resent history could not be applied whole, comma-separated.
        var gaps: String
        /// `index/total` of the last message of the stream received (`reviewctl status`).
        var progress: String
        /// The stream's last recorded time, whole milliseconds (``Apply/streamTime()``).
        var clock: String
        var all: [String] { [applied, gaps, progress, clock] }

        init(_ peer: String) {
            (applied, gaps, progress, clock) = ("resync.applied.\(peer)", "resync.gaps.\(peer)", "resync.progress.\(peer)", "resync.clock.\(peer)")
        }
    }

    /// The figures a finished resync records (read by `reviewctl status` and the drill).
    struct Figures: Codable, Sendable {
        var peer: String
        /// Messages of the peer's own it resent; messages of ours it sent back.
        var resent: Int
        var echoed: Int
        /// Of those, applied here (the rest were already here).
        var applied: Int
        /// Cases the peer could not resend whole, or whose message could not be applied here.
        var gaps: [String]
        var completedAt: Date
    }

    /// On the restored node, once at start: queues a `resyncRequested` to each enabled peer.
    /// Returns the peers asked (empty when no resync is due or it was already requested).
    static func request(_ services: NodeServices, now: Date = Date()) async throws -> [String] {
        let configuration = services.configuration
        return try await services.store.write { db -> [String] in
            guard try NodeStore.meta(db, "resyncPending") != nil, try NodeStore.meta(db, "resyncRequestedAt") == nil else { return [] }
            let manifest = try NodeStore.meta(db, "restoredFrom").flatMap { text -> BackupManifest? in
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                return try? decoder.decode(BackupManifest.self, from: Data(text.utf8))
            }
            var peers: [String] = []
            for link in try NodeStore.enabledLinks(db) {
                let applied = try NodeStore.appliedSequences(db, sender: link.nodeId)
                let sent = try NodeStore.sentSequences(db, peer: link.nodeId)
                let payload = ResyncRequestedPayload(backupTakenAt: (manifest?.createdAt ?? now).formatted(.iso8601), applied: applied, sent: sent)
                try Outbox.enqueue(db, identity: services.identity, sender: configuration.nodeId, peer: link.nodeId, type: .resyncRequested,
                                   caseId: nil, payload: payload)
                try NodeStore.setMeta(db, pendingKey(link.nodeId), now.formatted(.iso8601))
                for key in StreamKeys(link.nodeId).all { try NodeStore.setMeta(db, key, nil) }
                peers.append(link.nodeId)
            }
            try NodeStore.setMeta(db, "resyncRequestedAt", now.formatted(.iso8601))
            if peers.isEmpty { try NodeStore.setMeta(db, "resyncPending", nil) }
            try NodeStore.appendEvent(db, caseId: nil, actor: "system", action: "resyncRequested", payload: ["peers": peers.joined(separator: ",")])
            return peers
        }
    }
}

/// Asks the peers for a resync when the node starts on a restored database, then idles.
struct ResyncService: Service {
    let services: NodeServices
    let logger: Logger

    func run() async throws {
        do {
            let peers = try await Resync.request(services)
            if !peers.isEmpty {
                services.outboxSignal.notify()
                logger.warning("restored from a backup: asked the peers to resend what this node lost", metadata: ["peers": "\(peers.joined(separator: ","))"])
            }
        } catch {
            if !error.isCancellation { logger.error("resync request failed", metadata: ["error": "\(error)"]) }
        }
        // A service that returns would stop the node.
        try? await gracefulShutdown()
    }
}

// MARK: Receiving

extension Apply {
    /// At a peer of the restored node: queue what it lost, in order, then the end marker.
    func resyncRequested() throws -> FederationReceiver.Result {
        let body = try payload(ResyncRequestedPayload.self)
        let peer = envelope.sender
        let now = Date()
        struct Item {
            var time: Date
            var origin: String
            var id: String
            var frame: Data
            var signature: Data
            var caseId: String
            var sequence: Int
            var pendingOwn: Bool
        }
        var items: [Item] = []
        var gaps = Set<String>()
        // Our own messages to it after what it applied (delivered or still queued; dead
        // letters and discarded ones are not part of its history).
        let own = try NodeStore.caseMessagesSent(db, to: peer)
        var expected: [String: Int] = [:]
        for message in own {
            guard let caseId = message.caseId, message.caseSequence > (body.applied[caseId] ?? 0) else { continue }
            let next = expected[caseId] ?? (body.applied[caseId] ?? 0) + 1
            if message.caseSequence != next { gaps.insert(caseId) }
            expected[caseId] = message.caseSequence + 1
            items.append(Item(time: message.createdAt, origin: configuration.nodeId, id: message.id, frame: message.body, signature: message.signature ?? Data(),
                              caseId: caseId, sequence: message.caseSequence, pendingOwn: message.deliveredAt == nil))
        }
        // Its own messages we applied after what it still holds: their exact signed frames.
        let received = try NodeStore.caseMessagesReceived(db, from: peer)
        var echoExpected: [String: Int] = [:]
        for message in received {
            guard let caseId = message.caseId, let sequence = message.sequence, sequence > (body.sent[caseId] ?? 0) else { continue }
            let next = echoExpected[caseId] ?? (body.sent[caseId] ?? 0) + 1
            guard let frame = message.frame, let signature = message.signature, sequence == next else {
                gaps.insert(caseId)
                continue
            }
            echoExpected[caseId] = sequence + 1
            items.append(Item(time: message.receivedAt, origin: peer, id: message.id, frame: frame, signature: signature, caseId: caseId,
                              sequence: sequence, pendingOwn: false))
        }
        // Messages whose ids were pruned (older than the freshness window) cannot be echoed:
        // the per-case sequences tell whether any is missing.
        for (caseId, last) in try NodeStore.appliedSequences(db, sender: peer) {
            if last > (body.sent[caseId] ?? 0), (echoExpected[caseId] ?? (body.sent[caseId] ?? 0) + 1) != last + 1 { gaps.insert(caseId) }
        }
        // One order for both kinds: our clock, when we sent ours and when we received its.
        // The store keeps milliseconds, and a reaction (our `received` of its forwarded case)
        // is queued while its cause is applied, often within the same millisecond: on equal
        // times its message goes first.
        items.sort { ($0.time, $0.origin == configuration.nodeId ? 1 : 0, $0.sequence) < ($1.time, $1.origin == configuration.nodeId ? 1 : 0, $1.sequence) }
        for (index, item) in items.enumerated() {
            let payload = ResentPayload(originalId: item.id, origin: item.origin, signature: item.signature.base64EncodedString(),
                                        sha256: SHA256.hash(data: item.frame).hexString, index: index + 1, total: items.count)
            try Outbox.enqueue(db, identity: services.identity, sender: configuration.nodeId, peer: peer, type: .resent, caseId: nil,
                               payload: payload, attachments: [item.frame])
            // Carried by the stream now: not also sent directly.
            if item.pendingOwn { try NodeStore.markDelivered(db, messageId: item.id, at: now) }
        }
        let resent = items.filter { $0.origin == configuration.nodeId }.count
        let completed = ResyncCompletedPayload(resent: resent, echoed: items.count - resent, gaps: gaps.sorted())
        try Outbox.enqueue(db, identity: services.identity, sender: configuration.nodeId, peer: peer, type: .resyncCompleted, caseId: nil, payload: completed)
        try NodeStore.appendEvent(db, caseId: nil, actor: actor, action: "resyncAnswered", payload: [
            "peer": peer, "backupTakenAt": body.backupTakenAt, "resent": String(resent), "echoed": String(items.count - resent),
            "gaps": gaps.sorted().joined(separator: ","),
        ])
        services.metrics.resync(peer: peer, direction: "sent", messages: items.count)
        // A restored city lost the county ledger reports since its backup (Art 15 supervision):
        // report every case again, from the start.
        if configuration.tier == .county { try NodeStore.setMeta(db, "ledgerReportedThrough", nil) }
        return .init(applied: envelope.type.rawValue, caseId: nil)
    }

    /// At the restored node: one message of the stream.
    func resent() throws -> FederationReceiver.Result {
        let body = try payload(ResentPayload.self)
        guard attachments.count == 1, (attachmentDigests?.first ?? SHA256.hash(data: attachments[0]).hexString) == body.sha256,
              let signature = Data(base64Encoded: body.signature)
        else { throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "resent: attachment 0 is not the frame the envelope names") }
        let frame: (json: Data, attachments: [Data])
        let header: FederationHeader
        do {
            frame = try FederationFrame.decode(attachments[0])
            header = try JSONDecoder().decode(FederationHeader.self, from: frame.json)
        } catch {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "resent: \(error)")
        }
        guard header.id == body.originalId, let caseId = header.caseId else {
            throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "resent: the frame is not message \(body.originalId) about a case")
        }
        var applied = false
        if header.sender == configuration.nodeId {
            guard header.receiver == envelope.sender,
                  NodeIdentity.verify(signature, of: frame.json, publicKey: services.identity.publicKeyBase64)
            else { throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "resent: our own message \(header.id) does not verify with our key") }
            applied = try relearnOwn(header, caseId: caseId, frame: attachments[0], json: frame.json, signature: signature)
        } else {
            guard header.sender == envelope.sender, header.receiver == configuration.nodeId,
                  FederationIntake.verify(signature, of: frame.json, link: link)
            else { throw FederationReceiver.reject(.unprocessableContent, "malformed-payload", "resent: message \(header.id) does not verify with \(envelope.sender)'s key") }
            applied = try replay(header, caseId: caseId, frame: frame, signature: signature)
        }
        let appliedKey = Resync.StreamKeys(envelope.sender).applied
        let count = (Int(try NodeStore.meta(db, appliedKey) ?? "0") ?? 0) + (applied ? 1 : 0)
        try NodeStore.setMeta(db, appliedKey, String(count))
        try NodeStore.setMeta(db, Resync.StreamKeys(envelope.sender).progress, "\(body.index)/\(body.total)")
        return .init(applied: envelope.type.rawValue, caseId: caseId)
    }

    /// Records a case whose resent history could not be applied whole (the stream goes on).
    func noteGap(_ caseId: String, _ reason: String) throws {
        let key = Resync.StreamKeys(envelope.sender).gaps
        var gaps = Set((try NodeStore.meta(db, key) ?? "").split(separator: ",").map(String.init))
        gaps.insert(caseId)
        try NodeStore.setMeta(db, key, gaps.sorted().joined(separator: ","))
        try NodeStore.appendEvent(db, caseId: caseId, actor: actor, action: "resyncGap", payload: ["reason": String(reason.prefix(500))])
    }

    /// The peer's own message, applied as if it came now. Returns whether it was new here.
    func replay(_ header: FederationHeader, caseId: String, frame: (json: Data, attachments: [Data]), signature: Data) throws -> Bool {
        if try NodeStore.inboxHas(db, id: header.id) { return false }
        let last = try NodeStore.lastAppliedSequence(db, sender: header.sender, caseId: caseId)
        if header.sequence <= last { return false }
        guard header.sequence == last + 1 else {
            try noteGap(caseId, "message \(header.sequence) of case \(caseId) resent; expected \(last + 1)")
            return false
        }
        do {
            try NodeStore.inSavepoint(db) {
                try NodeStore.recordAppliedSequence(db, sender: header.sender, caseId: caseId, sequence: header.sequence)
                let receivedAt = try streamTime()
                let inner = Apply(services: services, db: db, envelope: header, json: frame.json, attachments: frame.attachments, link: link)
                let result = try inner.run()
                var inbox = InboxRecord(id: header.id, sender: header.sender, receivedAt: receivedAt, result: try CaseWorkflow.canonicalJSON(result),
                                        caseId: caseId, sequence: header.sequence, type: header.type, chainHead: header.chainHead)
                inbox.frame = attachments[0]
                inbox.signature = signature
                try NodeStore.insert(db, inbox: inbox)
            }
            return true
        } catch {
            try noteGap(caseId, "\(header.type.rawValue) \(header.id): \(error)")
            return false
        }
    }

    /// When a message of the stream is recorded here — a replayed message's receipt, a re-learned
    /// message's queueing: the clock, in whole milliseconds (what the store keeps), strictly
    /// after the stream's previous one (waiting out the millisecond if need be). A resync this node
    /// answers later orders its own messages and the peer's by these times, so they must keep
    /// this stream's order; a re-learned message's original send time (whole seconds, the
    /// peer's clock) is not comparable with a receipt here.
    func streamTime() throws -> Date {
        let key = Resync.StreamKeys(envelope.sender).clock
        let last = try NodeStore.meta(db, key).flatMap { Int64($0) } ?? 0
        var now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        while now <= last {
            Thread.sleep(forTimeInterval: 0.0002)
            now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        }
        try NodeStore.setMeta(db, key, String(now))
        // A tenth of a microsecond into it, so that storing it (truncated or rounded to the
        // millisecond) keeps this millisecond and no later reaction stores an earlier one.
        return Date(timeIntervalSince1970: Double(now) / 1000 + 0.000_000_1)
    }

    /// Our own message, which the peer applied and we lost: keep it as delivered (so that the
    /// case's next message continues its sequence) and re-apply the state change that caused it.
    func relearnOwn(_ header: FederationHeader, caseId: String, frame: Data, json: Data, signature: Data) throws -> Bool {
        if var existing = try NodeStore.outboxMessage(db, id: header.id) {
            if existing.deliveredAt == nil {
                existing.deliveredAt = Date()
                try NodeStore.update(db, outbox: existing)
            }
            return false
        }
        // A reaction queued again while the stream was replayed (the `received` of a forwarded
        // case) gives way to the original, which the peer already applied.
        try NodeStore.dropUndelivered(db, peer: header.receiver, caseId: caseId, sequence: header.sequence)
        var row = OutboxRecord(id: header.id, peer: header.receiver, caseId: caseId, caseSequence: header.sequence, type: header.type,
                               body: frame, signature: signature, createdAt: try streamTime())
        row.deliveredAt = Date()
        try NodeStore.insert(db, outbox: row)
        do {
            // With the original's own materials, as when it was sent.
            let inner = Apply(services: services, db: db, envelope: header, json: json,
                              attachments: try FederationFrame.decode(frame).attachments, link: link)
            try NodeStore.inSavepoint(db) {
                try inner.reapplyOwn(header, caseId: caseId, json: json, relearnedFrom: envelope.sender)
            }
            return true
        } catch {
            try noteGap(caseId, "own \(header.type.rawValue) \(header.id): \(error)")
            return false
        }
    }

    /// The state change our own message `header` reported, made again here (on an `Apply` of
    /// that message, so that `attachments` are its materials).
    func reapplyOwn(_ header: FederationHeader, caseId: String, json: Data, relearnedFrom peer: String) throws {
        switch header.type {
        case .received, .ping, .keyRotated, .chainCheck, .countyLedgerReported, .resyncRequested, .resent, .resyncCompleted:
            return
        case .caseForwarded:
            try relearnForwarded(try payload(CaseForwardedPayload.self), caseId: caseId, header: header, from: peer)
            return
        case .reReviewStarted, .coordinationRecorded, .disagreementRecorded, .caseRevised, .supplementRequested, .opinionIssued, .caseResubmitted,
             .launchConfirmed:
            break
        }
        var change = try CaseTransaction(db, services: services, relearning: header, from: peer, caseId: caseId)
        switch header.type {
        case .reReviewStarted:
            // Art 9 → Art 8, the city's re-review with its own clock.
            let body = try payload(ReReviewStartedPayload.self)
            try change.beginReReview(on: body.startedOn)
            try change.save("beginReReview", ["revision": String(body.revision)])
        case .coordinationRecorded:
            // Art 9, at the city that issued the opinion.
            let body = try payload(CoordinationRecordedPayload.self)
            try change.recordCoordination(body.outcome)
            try change.save("recordCoordination", ["outcome": body.outcome])
        case .disagreementRecorded:
            // Art 9, the county's drafter.
            let body = try payload(DisagreementRecordedPayload.self)
            try change.recordDisagreement(body.reason)
            try change.save("recordDisagreement", ["reason": body.reason])
        case .caseRevised:
            // Art 9, a revision after the opinion at the county.
            let body = try payload(CaseRevisedPayload.self)
            try change.beginRevisionUnlessRevising()
            try change.addRevision(body.revision, form: body.form, createdOn: body.revisedOn)
            change.record.revisedOn = body.revisedOn
            try change.save("revise", ["revision": String(body.revision)])
        case .supplementRequested:
            let body = try payload(SupplementRequestedPayload.self)
            try change.move(.requestSupplement)
            var notice = NoticeRecord(id: nil, caseId: caseId, type: .supplement, round: body.notice.round, issuedBy: configuration.tier,
                                      issuedOn: body.notice.issuedOn, supplyBy: body.notice.supplyBy, revision: body.revision,
                                      body: try CaseWorkflow.canonicalJSON(body.notice), answeredOn: nil)
            try NodeStore.insert(db, notice: &notice)
            change.stopClock(on: body.notice.issuedOn)
            change.record.dueOn = CaseWorkflow.due(of: change.record, services.calendar)
            try change.save("requestSupplement", ["round": String(body.notice.round)])
        case .opinionIssued:
            let body = try payload(OpinionIssuedPayload.self)
            let opinion = try JSONDecoder().decode(ReviewOpinion.self, from: body.opinion)
            try change.move(.issueOpinion(opinion.outcome))
            // The revision the opinion judged: the case's at the time, as re-learned so far.
            try change.recordOpinion(opinion, bytes: body.opinion, signature: body.signature, signerPublicKey: body.signerPublicKey,
                                     supersededOn: opinion.issuedOn, revisionDue: try? services.calendar.revisionDue(opinionReceived: opinion.issuedOn))
            change.record.countyWorkdays = body.countyWorkdays
            change.record.cityWorkdays = body.cityWorkdays
            try change.save("issueOpinion", ["number": opinion.number.description, "outcome": opinion.outcome.rawValue])
        case .caseResubmitted:
            let body = try payload(CaseResubmittedPayload.self)
            try change.move(.resubmit)
            try storeOwnMaterials(body.materials, caseId: caseId, unit: change.record.draftingUnit)
            try change.resubmitted(revision: body.revision, form: body.form, createdOn: body.resumedOn, resumedOn: body.resumedOn)
            try change.save("resubmit", ["revision": String(body.revision)])
        case .launchConfirmed:
            let body = try payload(LaunchConfirmedPayload.self)
            // Art 9: a revision after a negative opinion happened here before the launch.
            if try change.catchUp(to: body.revision, form: body.form, createdOn: body.confirmedOn) {
                change.record.revisedOn = change.record.revisedOn ?? body.confirmedOn
            }
            try change.confirmLaunch(body.launchDate, confirmedOn: body.confirmedOn)
            try change.save(change.record.kind == .withdrawal ? "confirmWithdrawal" : "confirmLaunch", ["launchDate": body.launchDate.description])
        default:
            return
        }
    }

    /// A restored county's own forwarding: the case moves to `forwarded`, or, when it was
    /// submitted after the backup, is rebuilt from what the county sent (the form and materials
    /// as forwarded, the clock, the preliminary conclusion, the county's notices round by round;
    /// earlier revisions and materials notices are not in the message).
    func relearnForwarded(_ body: CaseForwardedPayload, caseId: String, header: FederationHeader, from peer: String) throws {
        let change: CaseTransaction
        if try NodeStore.caseRecord(db, caseId) != nil {
            var existing = try CaseTransaction(db, services: services, relearning: header, from: peer, caseId: caseId)
            try existing.forward(on: body.forwardedOn)
            try NodeStore.save(db, case: &existing.record)
            change = existing
        } else {
            var body = body
            body.caseId = caseId
            var record = CaseRecord.forwarded(body, origin: configuration.nodeId, state: .forwarded, calendar: services.calendar)
            if body.preliminaryConclusion.isEmpty { record.preliminaryConclusion = nil }
            change = try CaseTransaction(db, services: services, inserting: record, by: .relearned(header, from: peer))
            // The case number counter (`<node>-<year>-<sequence>`) must not hand out this id again.
            let parts = caseId.split(separator: "-")
            if parts.count == 3, let sequence = Int(parts[2]) {
                let key = "caseSequence.\(parts[1])"
                let current = Int(try NodeStore.meta(db, key) ?? "0") ?? 0
                if sequence > current { try NodeStore.setMeta(db, key, String(sequence)) }
            }
            try NodeStore.insert(db, revision: RevisionRecord(caseId: caseId, revision: body.revision, form: try CaseWorkflow.canonicalJSON(body.form),
                                                              createdOn: body.forwardedOn, createdBy: nil))
            for var row in try body.countyNoticeRecords() { try NodeStore.insert(db, notice: &row) }
        }
        try storeOwnMaterials(body.materials, caseId: caseId, unit: body.draftingUnit)
        try change.log("forward", ["to": header.receiver])
    }

    /// Our own materials back from our message: blobs, the case's list, and the drafting
    /// unit's ownership of the blobs (so that its drafter can list them again).
    func storeOwnMaterials(_ materials: [TransferredMaterial], caseId: String, unit: String) throws {
        try storeMaterials(materials, caseId: caseId)
        for material in materials {
            guard let digest = material.reference.sha256?.lowercased() else { continue }
            try NodeStore.recordUploadOwnership(db, sha256: digest, unit: unit)
        }
    }

    /// At the restored node: the peer's stream ended.
    func resyncCompleted() throws -> FederationReceiver.Result {
        let body = try payload(ResyncCompletedPayload.self)
        let peer = envelope.sender
        let localGaps = (try NodeStore.meta(db, Resync.StreamKeys(peer).gaps) ?? "").split(separator: ",").map(String.init)
        let applied = Int(try NodeStore.meta(db, Resync.StreamKeys(peer).applied) ?? "0") ?? 0
        let figures = Resync.Figures(peer: peer, resent: body.resent, echoed: body.echoed, applied: applied,
                                     gaps: Array(Set(body.gaps + localGaps)).sorted(), completedAt: Date())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try NodeStore.setMeta(db, Resync.resultKey(peer), String(decoding: try encoder.encode(figures), as: UTF8.self))
        try NodeStore.setMeta(db, Resync.pendingKey(peer), nil)
        for key in Resync.StreamKeys(peer).all { try NodeStore.setMeta(db, key, nil) }
        let remaining = try NodeStore.pendingResyncCount(db)
        if remaining == 0 { try NodeStore.setMeta(db, "resyncPending", nil) }
        try NodeStore.appendEvent(db, caseId: nil, actor: actor, action: "resyncCompleted", payload: [
            "resent": String(body.resent), "echoed": String(body.echoed), "applied": String(applied), "gaps": figures.gaps.joined(separator: ","),
        ])
        services.metrics.resync(peer: peer, direction: "received", messages: body.resent + body.echoed)
        return .init(applied: envelope.type.rawValue, caseId: nil)
    }
}
