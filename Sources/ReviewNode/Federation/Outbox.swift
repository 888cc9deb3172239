import Foundation
import HTTPTypes
import ReviewProtocol
import ReviewStore
import Synchronization

/// Writing messages to the outbox, inside the transaction of the state change that causes them.
enum Outbox {
    /// Signs and queues a message for `peer`. Call inside the action's transaction, after its
    /// event was appended, so that the message carries the chain head that includes it.
    static func enqueue<Payload: Codable & Sendable>(_ db: StoreTransaction, identity: NodeIdentity, sender: String, peer: String, type: FederationMessageType,
                                                     caseId: String?, payload: Payload, attachments: [Data] = []) throws {
        try enqueue(db, identity: identity, sender: sender, peer: peer, type: type, caseId: caseId, payload: payload,
                    attachedBytes: attachments.reduce(0) { $0 + 8 + $1.count }) { json in (FederationFrame.encode(json: json, attachments: attachments), nil) }
    }

    /// A material attached to a message by reference: the blob with digest `sha256` (`bytes`
    /// bytes) that this node stores. The outbox keeps the digest, not a copy; the bytes are
    /// read when the message is sent.
    struct MaterialAttachment: Sendable {
        var sha256: String
        var bytes: Int
    }

    /// Signs and queues a message whose attachments are stored material blobs, in order: the
    /// outbox row holds the frame's head and the blobs' digests (`v15-outbox-blob-refs`),
    /// and the frame sent is the same as if the bytes had been copied in.
    /// `form`, when given, is the canonical JSON of the one ``CaseForm`` the payload carries
    /// (which then holds ``CaseForm/standIn``): it is written into the envelope as stored.
    static func enqueue<Payload: Codable & Sendable>(_ db: StoreTransaction, identity: NodeIdentity, sender: String, peer: String, type: FederationMessageType,
                                                     caseId: String?, payload: Payload, attachments: [MaterialAttachment], form: Data? = nil) throws {
        try enqueue(db, identity: identity, sender: sender, peer: peer, type: type, caseId: caseId, payload: payload,
                    attachedBytes: attachments.reduce(0) { $0 + 8 + $1.bytes }, form: form) { json in (FederationFrame.encode(json: json), attachments.map(\.sha256)) }
    }

    /// `frame` makes the stored body from the signed JSON: the whole frame (no digests), or
    /// its head and the digests of the blobs to append.
    private static func enqueue<Payload: Codable & Sendable>(_ db: StoreTransaction, identity: NodeIdentity, sender: String, peer: String, type: FederationMessageType,
                                                             caseId: String?, payload: Payload, attachedBytes: Int, form: Data? = nil,
                                                             frame: (Data) -> (body: Data, digests: [String]?)) throws {
        assert(Payload.self == type.payloadType, "\(type) carries \(type.payloadType), not \(Payload.self)")
        let sequence = try NodeStore.nextOutboxSequence(db, peer: peer, caseId: caseId)
        let now = Date()
        let envelope = FederationEnvelope(
            id: UUID().uuidString.lowercased(), sender: sender, receiver: peer, type: type, caseId: caseId, sequence: sequence,
            sentAt: now.formatted(.iso8601), chainHead: try NodeStore.chainHead(db), payload: payload)
        guard let json = try form.map({ try CaseWorkflow.canonicalJSON(envelope, form: $0) }) ?? CaseWorkflow.canonicalJSON(envelope) else {
            throw StoreError(.corrupt, "\(type.rawValue) for case \(caseId ?? "-"): the payload does not carry exactly one form to write as stored")
        }
        let size = FederationFrame.headerLength + json.count + attachedBytes
        // Refuse now, with the action rolled back, what the peer would refuse forever.
        if let limit = try NodeStore.linkMessageLimit(db, peer), size > limit {
            throw APIError(.unprocessableContent, code: "message-too-large",
                           message: "报送内容(含材料共\(Self.megabytes(size)))超过对方节点单次接收上限(\(Self.megabytes(limit))),请压缩或精简材料后重试",
                           field: "materials", detail: "the framed message is \(size) bytes; peer \(peer) accepts at most \(limit)")
        }
        let (body, digests) = frame(json)
        var record = OutboxRecord(id: envelope.id, peer: peer, caseId: caseId, caseSequence: sequence, type: type, body: body, signature: try identity.sign(json), createdAt: now)
        record.materialDigests = digests
        try NodeStore.insert(db, outbox: record)
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    /// The same message with another per-case sequence, signed anew (after an operator
    /// discarded an earlier dead letter of its case, which the peer never saw).
    static func resequenced(_ message: OutboxRecord, sequence: Int, identity: NodeIdentity) throws -> (body: Data, signature: Data) {
        let frame = try FederationFrame.decode(message.body)
        guard var envelope = try JSONSerialization.jsonObject(with: frame.json) as? [String: Any] else {
            throw StoreError(.corrupt, "outbox message \(message.id) has no envelope object")
        }
        envelope["sequence"] = sequence
        let json = try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])
        return (FederationFrame.encode(json: json, attachments: frame.attachments), try identity.sign(json))
    }

    /// The framed body (envelope JSON and attachments) and the signature over the JSON. The
    /// attachments are bound by their SHA-256 digests inside the signed JSON, so Ed25519 need
    /// not hash half a megabyte twice per message.
    static func signed<Payload: Codable & Sendable>(_ envelope: FederationEnvelope<Payload>, attachments: [Data] = [], identity: NodeIdentity) throws -> (Data, Data) {
        let json = try CaseWorkflow.canonicalJSON(envelope)
        return (FederationFrame.encode(json: json, attachments: attachments), try identity.sign(json))
    }

    /// The enabled link to the city (from a county node).
    static func cityLink(_ db: StoreTransaction) throws -> LinkRecord? {
        try NodeStore.cityLink(db)
    }
}

/// Wakes the delivery service when a transaction queued a message, so that it need not poll.
final class OutboxSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// A message was queued (call after the commit).
    func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after the next ``notify()`` (or at once if one came since the last wait), after
    /// `timeout`, or when the task is cancelled.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                if (try? await Task.sleep(for: timeout)) != nil { self.notify() }
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { state -> Bool in
                            if state.pending {
                                state.pending = false
                                return true
                            }
                            state.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.notify()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
