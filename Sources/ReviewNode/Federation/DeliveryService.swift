import Foundation
import Logging
import ReviewProtocol
import ReviewStore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox: per peer up to ``maxInFlight`` requests at a time, each case's
/// messages strictly in order, peers in parallel, retrying with exponential backoff and full jitter, never dropping
/// a message. A node that comes back after hours catches up by itself.
///
/// Several due messages to one peer travel as one batch (``FederationBatch``, at most
/// ``batchCount`` messages and ``batchBytes``, or the peer's message limit if smaller), which the peer applies in
/// one transaction and answers per message; one write then marks the whole batch's delivered
/// messages. A peer of an earlier version answers the batch route with 404: it then gets one
/// message per request for ``singleModeInterval``.
///
/// Failures are of two kinds. A transient one (the peer unreachable, a 5xx, an unknown or
/// disabled link, a bad signature during a re-key) pauses the whole peer until the backoff
/// passes. A permanent refusal (the peer says the content can never be applied: another
/// county's case, too large, stale …) holds back only that message and its case's later ones;
/// after ``NodeStore/maxRefusals`` it becomes a dead letter for an operator to retry or discard,
/// and the other cases flow on.
struct DeliveryService: Service {
    /// This node's id, sent in ``FederationWire/senderHeader``.
    let localNode: String
    let store: NodeStore
    let client: any PeerTransport
    let signal: OutboxSignal
    let logger: Logger
    /// Longest wait between two attempts of one message.
    let maxBackoff: Duration
    let metrics: NodeMetrics
    /// Peers paused after a transient failure, until when.
    private let pauses = PeerPauses()
    /// Peers that answered the batch route with 404 (an earlier version), until when.
    private let singleMode = PeerPauses()
    /// Most messages in one batch.
    static let batchCount = FederationBatch.maximumItems
    /// Most bytes in one batch (less when the peer's link card gives a smaller limit): enough
    /// to share one commit among several forwarded cases, small enough that a batch in memory
    /// (rows, frame, the client's copy) stays a few MB.
    static let batchBytes = 4 * 1024 * 1024
    /// How long a peer that does not know batches gets single messages before the next try.
    static let singleModeInterval: TimeInterval = 600

    init(localNode: String, store: NodeStore, client: any PeerTransport, signal: OutboxSignal, logger: Logger, maxBackoff: Duration, metrics: NodeMetrics) {
        self.metrics = metrics
        self.localNode = localNode
        self.store = store
        self.client = client
        self.signal = signal
        self.logger = logger
        self.maxBackoff = maxBackoff
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop()
        }
    }

    /// Most batches (or single messages) on the wire to one peer at once. While one is sent
    /// and applied, the next is read and sent: the peer verifies one while it commits the
    /// other. A case with a message in flight has none in the next batch (its messages reach
    /// the peer in order, each once), caseless messages form one such queue, and a key
    /// announcement in flight holds the peer's next batch back (that one is signed with the new key).
    static let maxInFlight = 2

    /// Messages on the wire to one peer, as one request.
    struct Flight: Sendable, Equatable {
        var serial: Int
        var ids: Set<String>
        var announcesKey: Bool
    }

    /// What the loop waits for: a request answered (and recorded), or a new message / the next retry time.
    private enum Event: Sendable {
        case answered(peer: String, serial: Int)
        case woken
    }

    private func loop() async {
        await withTaskGroup(of: Event.self) { group in
            var inFlight: [String: [Flight]] = [:]
            var serial = 0
            var waiting = false
            while !Task.isCancelled {
                var next: Date?
                do {
                    for (messages, link) in try await due(excluding: inFlight) {
                        serial += 1
                        let flight = Flight(serial: serial, ids: Set(messages.map(\.id)), announcesKey: messages.contains { $0.type == .keyRotated })
                        inFlight[link.nodeId, default: []].append(flight)
                        group.addTask {
                            if messages.count == 1 { await deliver(messages[0], to: link) } else { await deliver(batch: messages, to: link) }
                            return .answered(peer: link.nodeId, serial: flight.serial)
                        }
                        next = Date()
                    }
                    if next == nil { next = try await nextAttempt(excluding: inFlight) }
                } catch {
                    // Cancelled at shutdown: nothing went wrong.
                    if !error.isCancellation {
                        logger.error("outbox scan failed", metadata: ["error": "\(error)"])
                    }
                    next = Date().addingTimeInterval(1)
                }
                if !waiting {
                    // Until the earliest retry is due, a new message is queued, or at most 1 s;
                    // an answered request wakes the loop too (through the group).
                    let wait = next.map { max(0, min(1, $0.timeIntervalSinceNow)) } ?? 1
                    waiting = true
                    group.addTask { [signal] in
                        if wait > 0 { await signal.wait(upTo: .milliseconds(Int(wait * 1000))) }
                        return .woken
                    }
                }
                guard let event = await group.next() else { break }
                switch event {
                case .woken: waiting = false
                case .answered(let peer, let serial): inFlight[peer]?.removeAll { $0.serial == serial }
                }
            }
            group.cancelAll()
        }
    }

    /// For every enabled peer that is not paused and has room on the wire, the due messages
    /// that head their cases' queues, leaving out the cases with a message in flight (a batch,
    /// or one message to a peer in single mode).
    private func due(excluding inFlight: [String: [Flight]]) async throws -> [([OutboxRecord], LinkRecord)] {
        let now = Date()
        let paused = pauses.pausedUntil.withLock { $0 }
        let single = singleMode.pausedUntil.withLock { $0 }
        return try await store.read { db -> [([OutboxRecord], LinkRecord)] in
            var due: [([OutboxRecord], LinkRecord)] = []
            for link in try NodeStore.enabledLinks(db) {
                let flights = inFlight[link.nodeId] ?? []
                guard flights.count < Self.maxInFlight, !flights.contains(where: \.announcesKey) else { continue }
                if let until = paused[link.nodeId], until > now { continue }
                let resyncing = try NodeStore.meta(db, Resync.pendingKey(link.nodeId)) != nil
                let batched = (single[link.nodeId] ?? .distantPast) <= now
                let batch = try NodeStore.dueOutboxBatch(db, peer: link.nodeId, now: now, caselessOnly: resyncing, maxCount: batched ? Self.batchCount : 1,
                                                         maxBytes: min(link.maxMessageBytes ?? Self.batchBytes, Self.batchBytes),
                                                         excluding: flights.reduce(into: Set<String>()) { $0.formUnion($1.ids) })
                guard !batch.isEmpty else { continue }
                // A key announcement ends its batch: the peer checks every item's signature
                // before applying any, and the messages after it are signed with the new key.
                let end = batch.firstIndex { $0.type == .keyRotated }.map { $0 + 1 } ?? batch.count
                due.append((Array(batch.prefix(end)), link))
            }
            return due
        }
    }

    /// When the next attempt falls due for a peer with nothing in flight (a peer with a
    /// request in flight is looked at again when it is answered); nil when nothing waits.
    private func nextAttempt(excluding inFlight: [String: [Flight]]) async throws -> Date? {
        let now = Date()
        let paused = pauses.pausedUntil.withLock { $0 }
        return try await store.read { db -> Date? in
            var next: [Date] = []
            for link in try NodeStore.enabledLinks(db) where (inFlight[link.nodeId] ?? []).isEmpty {
                guard let attempt = try NodeStore.nextOutboxAttempt(db, peer: link.nodeId) else { continue }
                if let until = paused[link.nodeId], until > now { next.append(max(until, attempt)) } else { next.append(attempt) }
            }
            return next.min()
        }
    }

    /// How the peer answered a failed attempt.
    enum Failure {
        /// Unreachable, 5xx, or a refusal that concerns every message (link, key): pause the peer.
        case transient(String)
        /// This message must wait (e.g. out of order), the others need not.
        case message(String)
        /// The peer will never apply this content.
        case permanent(String)
    }

    private func deliver(_ message: OutboxRecord, to link: LinkRecord) async {
        let failure: Failure
        let started = ContinuousClock.now
        do {
            let response = try await client.send(frame: message.body, signature: message.signature ?? Data(), sender: localNode, to: link.baseURL)
            if (200..<300).contains(response.status) {
                try await store.write { db in try NodeStore.markDelivered(db, messageId: message.id) }
                metrics.delivery(peer: link.nodeId, outcome: "delivered", duration: started.duration(to: .now))
                logger.debug("delivered", metadata: ["id": "\(message.id)", "peer": "\(link.nodeId)", "type": "\(message.type.rawValue)"])
                return
            }
            failure = Self.classify(status: response.status, body: response.body)
        } catch {
            failure = .transient(String(describing: error))
        }
        metrics.delivery(peer: link.nodeId, outcome: Self.outcome(failure), duration: started.duration(to: .now))
        await record([(message, failure)], peer: link.nodeId)
    }

    /// Sends `messages` (queue order) as one batch; marks the delivered ones in one write and
    /// records each refusal as a single message's would be.
    private func deliver(batch messages: [OutboxRecord], to link: LinkRecord) async {
        let started = ContinuousClock.now
        let body = FederationBatch.encode(messages.map { (signature: $0.signature ?? Data(), frame: $0.body) })
        let failures: [(OutboxRecord, Failure)]
        var delivered: [OutboxRecord] = []
        do {
            let response = try await client.sendBatch(body, sender: localNode, to: link.baseURL)
            if response.status == 404 || response.status == 405 {
                // An earlier version: one message per request for a while; nothing was applied.
                singleMode.pausedUntil.withLock { $0[link.nodeId] = Date().addingTimeInterval(Self.singleModeInterval) }
                logger.info("peer does not take batches; sending one message per request", metadata: ["peer": "\(link.nodeId)"])
                return
            }
            if response.status == 413 {
                // Larger than the peer takes in one request although each message fits: single messages.
                singleMode.pausedUntil.withLock { $0[link.nodeId] = Date().addingTimeInterval(Self.singleModeInterval) }
                logger.warning("peer refused a batch as too large; sending one message per request", metadata: ["peer": "\(link.nodeId)"])
                return
            }
            guard (200..<300).contains(response.status) else {
                let failure = Self.classify(status: response.status, body: response.body)
                guard case .transient = failure else {
                    // A refusal of the request as such, not of one message: single messages
                    // find the one the peer refuses and isolate it.
                    singleMode.pausedUntil.withLock { $0[link.nodeId] = Date().addingTimeInterval(Self.singleModeInterval) }
                    logger.warning("peer refused a batch; sending one message per request", metadata: ["peer": "\(link.nodeId)", "status": "\(response.status)"])
                    return
                }
                // Unreachable, link, key or storage: the whole peer waits, counted on the batch's first message.
                await record([(messages[0], failure)], peer: link.nodeId)
                metrics.delivery(peer: link.nodeId, outcome: "transient", duration: started.duration(to: .now))
                return
            }
            let reply = try JSONDecoder().decode(FederationBatchReply.self, from: response.body)
            let byId = Dictionary(messages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var refused: [(OutboxRecord, Failure)] = []
            for item in reply.results {
                guard let id = item.id, let message = byId[id], item.skipped != true else { continue }
                if (200..<300).contains(item.status) {
                    delivered.append(message)
                } else {
                    let answer = try JSONEncoder().encode(["error": item.error ?? .init(code: "unknown", message: "", detail: nil, permanent: nil)])
                    refused.append((message, Self.classify(status: item.status, body: answer)))
                }
            }
            failures = refused
        } catch {
            failures = [(messages[0], .transient(String(describing: error)))]
        }
        let elapsed = started.duration(to: .now)
        if !delivered.isEmpty {
            let ids = delivered.map(\.id)
            do {
                try await store.write { db in try NodeStore.markDelivered(db, messageIds: ids) }
            } catch {
                // Applied at the peer but not marked: they go again and the peer answers them as duplicates.
                logger.error("could not mark delivered messages", metadata: ["peer": "\(link.nodeId)", "error": "\(error)"])
            }
            for _ in delivered { metrics.delivery(peer: link.nodeId, outcome: "delivered", duration: elapsed) }
            logger.debug("delivered a batch", metadata: ["peer": "\(link.nodeId)", "messages": "\(delivered.count)"])
        }
        for (_, failure) in failures { metrics.delivery(peer: link.nodeId, outcome: Self.outcome(failure), duration: elapsed) }
        if !failures.isEmpty { await record(failures, peer: link.nodeId) }
    }

    private static func outcome(_ failure: Failure) -> String {
        switch failure {
        case .transient: "transient"
        case .message: "message"
        case .permanent: "permanent"
        }
    }

    /// Records failed attempts (one write), pauses the peer after a transient failure, and
    /// logs each message's fate.
    private func record(_ failures: [(OutboxRecord, Failure)], peer: String) async {
        var rows: [(message: OutboxRecord, text: String, permanent: Bool, retryAt: Date, delay: Double)] = []
        for (message, failure) in failures {
            let delay = backoff(attempts: message.attempts + 1)
            let retryAt = Date().addingTimeInterval(delay)
            let (text, permanent) = switch failure {
            case .transient(let text): (text, false)
            case .message(let text): (text, false)
            case .permanent(let text): (text, true)
            }
            if case .transient = failure {
                pauses.pausedUntil.withLock { $0[peer] = max($0[peer] ?? .distantPast, retryAt) }
            }
            rows.append((message, text, permanent, retryAt, delay))
        }
        let rowsToWrite = rows.map { (id: $0.message.id, text: $0.text, permanent: $0.permanent, retryAt: $0.retryAt) }
        let dead = (try? await store.write { db in
            try rowsToWrite.map { try NodeStore.recordDeliveryFailure(db, messageId: $0.id, error: $0.text, permanent: $0.permanent, retryAt: $0.retryAt) }
        }) ?? rows.map { _ in false }
        for (row, isDead) in zip(rows, dead) {
            let message = row.message
            if isDead {
                metrics.deadLetter(peer: peer)
                logger.error("dead letter: the peer refused this message; other cases go on, this case waits for an operator", metadata: [
                    "id": "\(message.id)", "peer": "\(peer)", "case": "\(message.caseId ?? "-")", "type": "\(message.type.rawValue)", "error": "\(row.text)",
                ])
            } else {
                logger.warning("delivery failed; will retry", metadata: [
                    "id": "\(message.id)", "peer": "\(peer)", "attempt": "\(message.attempts + 1)", "retryInSeconds": "\(String(format: "%.2f", row.delay))",
                    "permanent": "\(row.permanent)", "error": "\(row.text)",
                ])
            }
        }
    }

    /// Reads the peer's error body: `permanent: true` marks a content refusal; an out-of-order
    /// answer concerns this message only; anything else pauses the peer.
    static func classify(status: Int, body: Data) -> Failure {
        let text = "HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        struct Answer: Decodable {
            struct Body: Decodable {
                var code: String?
                var permanent: Bool?
            }
            var error: Body
        }
        guard (400..<500).contains(status), status != 429, let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
            return .transient(text)
        }
        if answer.error.permanent == true { return .permanent(text) }
        if answer.error.code == "out-of-order" { return .message(text) }
        return .transient(text)
    }

    /// 0.2 s · 2^(attempts−1), capped, with full jitter over the upper half.
    func backoff(attempts: Int) -> Double {
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let exponential = min(cap, 0.2 * pow(2, Double(min(attempts, 20) - 1)))
        return Double.random(in: exponential / 2 ... exponential)
    }
}

/// Peers paused after a transient failure, until when (shared by the delivery loop's tasks).
final class PeerPauses: Sendable {
    let pausedUntil = Mutex<[String: Date]>([:])
}
