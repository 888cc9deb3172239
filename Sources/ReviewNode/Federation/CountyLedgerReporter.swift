import Foundation
import Logging
import ReviewProtocol
import ReviewRules
import ReviewStore
import ServiceLifecycle

/// County: keeps the city informed of every case the county holds (Art 15), forwarded or
/// not, as signed `countyLedgerReported` messages through the outbox: every `interval`, the
/// ledger entries of cases changed since the last report (the ledger entry, not the materials).
struct CountyLedgerReporter: Service {
    let services: NodeServices
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await Periodically.run(every: interval) {
            do {
                while try await reportOnce() {}
            } catch {
                if !error.isCancellation { logger.error("county ledger report failed", metadata: ["error": "\(error)"]) }
            }
        }
    }

    /// Queues one report of up to ``CountyLedgerReport/maximumEntries`` changed cases; returns
    /// whether there may be more.
    func reportOnce() async throws -> Bool {
        let services = self.services
        let sent = try await services.store.write { db -> Int in
            guard let city = try Outbox.cityLink(db) else { return 0 }
            let changed = try NodeStore.casesChanged(db, after: try NodeStore.ledgerReportMark(db), limit: CountyLedgerReport.maximumEntries)
            guard let last = changed.last else { return 0 }
            let entries = try changed.map { record -> CountyCaseEntry in
                let rounds = try NodeStore.noticeRounds(db, caseId: record.id, issuedBy: .county)
                return CountyCaseEntry(
                    caseId: record.id, kind: record.kind, title: record.title, draftingUnit: record.draftingUnit, state: record.state.rawValue,
                    submittedOn: record.submittedOn, acceptedOn: record.acceptedOn, dueOn: record.dueOn, forwardedOn: record.forwardedOn,
                    clock: record.acceptedOn.map { CaseWorkflow.clockState(record, accepted: $0) },
                    supplementRounds: rounds.supplement, materialsRounds: rounds.materials, lateApplication: record.lateApplication,
                    updatedAt: record.updatedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            }
            try Outbox.enqueue(db, identity: services.identity, sender: services.configuration.nodeId, peer: city.nodeId,
                               type: .countyLedgerReported, caseId: nil, payload: CountyLedgerReport(entries: entries))
            try NodeStore.setLedgerReportMark(db, (last.updatedAt, last.id))
            return changed.count
        }
        if sent > 0 { services.outboxSignal.notify() }
        return sent == CountyLedgerReport.maximumEntries
    }
}
