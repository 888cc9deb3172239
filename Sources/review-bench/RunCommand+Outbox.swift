import Foundation
import ReviewProtocol
import ReviewStore

extension RunCommand {
    /// The outbox's cost per message, in process on one node database (WAL, FULL): queue it
    /// (next per-case sequence, insert with its body), pick it as due, mark it delivered —
    /// three transactions, as the node does — first on an empty outbox, then after
    /// `outboxRows` delivered messages were added (one in ten caseless, the rest over 1,000
    /// cases; 1 KiB bodies, since the row count is what an index has to cope with). The WAL is
    /// checkpointed before each sample.
    func outboxCost(payload: Data, work: URL) async throws -> Report.OutboxCost {
        let store = try NodeStore(path: work.appendingPathComponent("outbox.sqlite").path)
        let peer = "220100"
        let signature = Data(repeating: 7, count: 64)
        var serial = 0
        func measure() async throws -> (Report.Ceiling, Report.OutboxCost.Steps) {
            let clock = ContinuousClock()
            var steps = Report.OutboxCost.Steps()
            let total = try await sample { number in
                serial += 1
                let caseId: String? = number % 10 == 0 ? nil : "case-\(serial % 1000)"
                let id = "m-\(serial)"
                let start = clock.now
                try await store.write { db in
                    let sequence = try NodeStore.nextOutboxSequence(db, peer: peer, caseId: caseId)
                    try NodeStore.insert(db, outbox: OutboxRecord(id: id, peer: peer, caseId: caseId, caseSequence: sequence, type: .caseForwarded,
                                                                  body: payload, signature: signature, createdAt: Date()))
                }
                let queued = clock.now
                let due = try await store.read { db in try NodeStore.dueOutboxBatch(db, peer: peer, now: Date().addingTimeInterval(1), maxCount: 1, maxBytes: .max) }
                guard due.first?.id == id else { throw BenchError("outbox cost: \(id) was not due first") }
                let picked = clock.now
                try await store.write { db in try NodeStore.markDelivered(db, messageIds: [id]) }
                steps.add(queue: queued - start, pick: picked - queued, mark: clock.now - picked)
            }
            return (total, steps)
        }
        try await store.checkpointForBenchmark()
        let (empty, emptySteps) = try await measure()
        let filled = try await ContinuousClock().measure {
            try await store.write { [outboxRows] db in
                let small = Data(repeating: 1, count: 1024)
                var next: [String?: Int] = [:]
                for row in 0..<outboxRows {
                    let caseId: String? = row % 10 == 0 ? nil : "case-\(row % 1000)"
                    let known = next[caseId]
                    let sequence = try known ?? NodeStore.nextOutboxSequence(db, peer: peer, caseId: caseId)
                    next[caseId] = sequence + 1
                    var record = OutboxRecord(id: "fill-\(row)", peer: peer, caseId: caseId, caseSequence: sequence, type: .countyLedgerReported,
                                              body: small, signature: signature, createdAt: Date())
                    record.deliveredAt = Date()
                    try NodeStore.insert(db, outbox: record)
                }
            }
        }
        // Both samples start from a written-back WAL: the fill is one 100 MB transaction, and
        // writing it back is not a per-message cost.
        try await store.checkpointForBenchmark()
        let (full, fullSteps) = try await measure()
        return Report.OutboxCost(deliveredRows: outboxRows, fillSeconds: filled.seconds, empty: empty, full: full,
                                 emptySteps: emptySteps, fullSteps: fullSteps)
    }
}
