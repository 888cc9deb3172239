import Foundation
import Logging
@testable import ReviewNode
import ReviewProtocol
import ReviewStore
import Synchronization
import Testing

/// The delivery service keeps up to ``DeliveryService/maxInFlight`` requests on the wire to a
/// peer, and still never lets a case's message overtake an earlier one that is not answered yet.
@Suite struct DeliveryPipelineTests {
    /// A peer that takes `delay` to answer each request, applies every message, and records
    /// when each request started and ended and which messages it carried.
    final class SlowPeer: PeerTransport {
        struct Request: Sendable {
            var messages: [(caseId: String?, sequence: Int, id: String)]
            var started: ContinuousClock.Instant
            var ended: ContinuousClock.Instant?
        }

        let delay: Duration
        let log = Mutex<[Request]>([])
        let inFlight = Mutex<(now: Int, most: Int)>((0, 0))

        init(delay: Duration) { self.delay = delay }

        func send(frame: Data, signature: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
            let reply = try await take([frame])
            return PeerAnswer(status: 200, body: try JSONEncoder().encode(["id": reply.results[0].id]))
        }

        func sendBatch(_ body: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
            var frames: [Data] = []
            var offset = body.startIndex
            while offset < body.endIndex {
                let length = FederationBatch.declaredFrameLength(body[offset...]) ?? 0
                let start = offset + FederationBatch.itemHeaderLength
                frames.append(Data(body[start..<(start + length)]))
                offset = start + length
            }
            return PeerAnswer(status: 200, body: try JSONEncoder().encode(try await take(frames)))
        }

        private func take(_ frames: [Data]) async throws -> FederationBatchReply {
            struct Header: Decodable {
                var id: String
                var caseId: String?
                var sequence: Int
            }
            let headers = try frames.map { try JSONDecoder().decode(Header.self, from: FederationFrame.decode($0).json) }
            let index = log.withLock { log in
                log.append(Request(messages: headers.map { ($0.caseId, $0.sequence, $0.id) }, started: .now, ended: nil))
                return log.count - 1
            }
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            if index == 0 {
                // The first request stays on the wire until a second one joins it (at most
                // 10 s): on a loaded machine a fixed delay could end before the service got
                // round to sending the second, and the test would not show pipelining.
                let deadline = ContinuousClock.now + .seconds(10)
                while inFlight.withLock({ $0.now }) < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await Task.sleep(for: delay)
            inFlight.withLock { $0.now -= 1 }
            log.withLock { $0[index].ended = .now }
            return FederationBatchReply(results: headers.map { .init(id: $0.id, status: 200) })
        }
    }

    @Test func twoRequestsAreInFlightAndNoCaseOvertakesItself() async throws {
        let store = try NodeStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).sqlite").path)
        let peer = "220100"
        let card = LinkCard(nodeId: peer, name: "长春市", divisionCode: peer, tier: .city, baseURL: "http://city.invalid", publicKey: "")
        // Six cases with three messages each, and three caseless ones, queued interleaved; a
        // batch holds at most two messages here (by bytes), so the queue takes several requests.
        try await store.write { db in
            try NodeStore.save(db, link: LinkRecord(card: card))
            var number = 0
            for sequence in 1...3 {
                for caseNumber in 0..<6 {
                    number += 1
                    let caseId = "220183-2026-000\(caseNumber)"
                    try NodeStore.insert(db, outbox: Self.message(id: "m\(number)", peer: peer, caseId: caseId, sequence: sequence, number: number))
                }
                number += 1
                try NodeStore.insert(db, outbox: Self.message(id: "m\(number)", peer: peer, caseId: nil, sequence: sequence, number: number))
            }
        }
        let transport = SlowPeer(delay: .milliseconds(150))
        var link = LinkRecord(card: card)
        link.maxMessageBytes = 2 * Self.frameBytes + 100
        try await store.write { [link] db in try NodeStore.save(db, link: link) }
        let service = DeliveryService(localNode: "220183", store: store, client: transport, signal: OutboxSignal(), logger: Logger(label: "pipeline-test"),
                                      maxBackoff: .seconds(1), metrics: NodeMetrics())
        let run = Task { try await service.run() }
        defer { run.cancel() }
        var delivered = false
        for _ in 0..<200 where !delivered {
            try await Task.sleep(for: .milliseconds(50))
            delivered = try await store.read { db in try NodeStore.dueOutboxHead(db, peer: peer, now: Date().addingTimeInterval(3600)) == nil }
        }
        #expect(delivered)
        let requests = transport.log.withLock { $0 }
        // Every message once.
        let ids = requests.flatMap { $0.messages.map(\.id) }
        #expect(ids.count == 21 && Set(ids).count == 21)
        // Pipelined: two requests on the wire at once, never more.
        #expect(transport.inFlight.withLock { $0.most } == DeliveryService.maxInFlight)
        // Per queue (a case, or the caseless messages), in sequence, and each message sent only
        // after the request carrying the one before it was answered.
        var sentAt: [String: (sequence: Int, answered: ContinuousClock.Instant?)] = [:]
        for request in requests.sorted(by: { $0.started < $1.started }) {
            for message in request.messages {
                let queue = message.caseId ?? "-"
                if let previous = sentAt[queue] {
                    #expect(message.sequence == previous.sequence + 1, "\(queue)")
                    let answered = try #require(previous.answered)
                    #expect(answered <= request.started, "\(queue) \(message.sequence) overtook \(previous.sequence)")
                } else {
                    #expect(message.sequence == 1)
                }
                sentAt[queue] = (message.sequence, request.ended)
            }
        }
    }

    static let frameBytes = FederationFrame.encode(json: Data(repeating: 32, count: 80), attachments: [Data(count: 1000)]).count

    /// A message whose envelope JSON carries what the slow peer reads (padded to one size).
    static func message(id: String, peer: String, caseId: String?, sequence: Int, number: Int) -> OutboxRecord {
        var json = #"{"id":"\#(id)","caseId":\#(caseId.map { "\"\($0)\"" } ?? "null"),"sequence":\#(sequence)}"#
        json += String(repeating: " ", count: max(0, 80 - json.utf8.count))
        return OutboxRecord(id: id, peer: peer, caseId: caseId, caseSequence: sequence, type: .caseForwarded,
                            body: FederationFrame.encode(json: Data(json.utf8), attachments: [Data(count: 1000)]),
                            signature: Data(count: 64), createdAt: Date().addingTimeInterval(Double(number) / 1000 - 10))
    }
}
