import Foundation
import GRDB
import Logging
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// Every message type that changes state, applied at the peer with its effect: one case walks
/// county → city → county through each Art 8–10 step (both nodes in process, the real outbox,
/// delivery service, intake and receiver), then the county reports its ledger and re-keys.
@Suite struct FederationMessageTests {
    @Test func eachCaseMessageIsAppliedAtThePeerWithItsEffect() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        let (county, city) = (pair.county, pair.city)
        try await pair.running {
            // caseForwarded: the case arrives under final review with its materials and the
            // county's clock; received: the county learns the city's case number.
            let (id, form) = try await pair.forwardedCase()
            let arrived = try #require(try await pair.until(city, id) { $0.state == .finalReview })
            #expect(arrived.originNode == "220183" && arrived.forwardedOn == pair.today && arrived.acceptedOn == pair.today)
            #expect(try await city.services.store.read { db in try NodeStore.caseMaterials(db, caseId: id).count } == form.materials.count)
            #expect(try await pair.until(county, id) { $0.cityCaseNumber == id } != nil)

            // supplementRequested: the county's case waits, its clock stopped too (Art 8).
            let finding = Finding(code: .policyFieldMissing, path: "policy.documentNumber", message: "请补充政策文件文号")
            _ = try await pair.atCity.supplementNotice(id, findings: [finding], reasons: [:], by: pair.cityReviewer)
            let stopped = try #require(try await pair.until(county, id) { $0.state == .citySupplementRequested })
            #expect(stopped.clockStops.last?.stopped == pair.today && stopped.clockStops.last?.resumed == nil && stopped.dueOn == nil)
            #expect(try await county.services.store.read { db in try NodeStore.supplementNotices(db, caseId: id).map(\.issuedBy) } == [.city])

            // caseResubmitted: revision 2 at the city, its clock running again.
            var second = form
            second.policy.title = (form.policy.title ?? "") + "(修订)"
            _ = try await pair.atCounty.resubmit(id, second, by: pair.drafter)
            let resumed = try #require(try await pair.until(city, id) { $0.currentRevision == 2 })
            #expect(resumed.state == .finalReview && resumed.title == second.policy.title && resumed.clockStops.last?.resumed == pair.today)

            // opinionIssued: the county holds the city's signed opinion.
            let change = RequiredChange(itemIndex: 0, element: nil, change: "补充咨询时间")
            let (_, opinion) = try await pair.atCity.issueOpinion(id, outcome: .notPassed, changes: [change], remarks: nil, by: pair.cityReviewer)
            let judged = try #require(try await pair.until(county, id) { $0.state == .opinionNotPassed })
            #expect(judged.opinionIssuedOn == pair.today && judged.revisionDueOn != nil)
            let held = try await county.services.store.read { db in try NodeStore.opinion(db, caseId: id) }
            #expect(held?.number == opinion.number && held?.signature == opinion.signature)

            // disagreementRecorded: the city, which issued the opinion, coordinates (Art 9).
            _ = try await pair.atCounty.recordDisagreement(id, reason: "咨询时间已在办事指南中列明", by: pair.drafter)
            let disputed = try #require(try await pair.until(city, id) { $0.state == .disagreementRecorded })
            #expect(disputed.disagreement == "咨询时间已在办事指南中列明")

            // coordinationRecorded: the county's drafter revises accordingly.
            _ = try await pair.atCity.recordCoordination(id, outcome: "经协调,补充咨询时间", by: pair.cityReviewer)
            let coordinated = try #require(try await pair.until(county, id) { $0.state == .revising })
            #expect(coordinated.coordination == "经协调,补充咨询时间")

            // caseRevised: the city holds revision 3 as the county does.
            var third = second
            third.policy.title = (form.policy.title ?? "") + "(第三版)"
            _ = try await pair.atCounty.revise(id, third, by: pair.drafter)
            let revised = try #require(try await pair.until(city, id) { $0.currentRevision == 3 })
            #expect(revised.state == .revising && revised.revisedOn == pair.today && revised.title == third.policy.title)

            // reReviewStarted: the county's case waits for the new opinion.
            _ = try await pair.atCity.beginReReview(id, by: pair.cityReviewer)
            let waiting = try #require(try await pair.until(county, id) { $0.state == .forwarded })
            #expect(waiting.revisionDueOn == nil)

            // A second opinionIssued supersedes the first.
            let (_, passed) = try await pair.atCity.issueOpinion(id, outcome: .passed, changes: [], remarks: nil, by: pair.cityReviewer)
            #expect(try await pair.until(county, id) { $0.state == .opinionPassed } != nil)
            #expect(try await county.services.store.read { db in try NodeStore.opinion(db, caseId: id)?.number } == passed.number)

            // launchConfirmed: the city records the launch and publishes it (Art 10, Art 14).
            let launch = pair.today.adding(days: 10)
            _ = try await pair.atCounty.confirmLaunch(id, launchDate: launch, by: pair.drafter)
            let launched = try #require(try await pair.until(city, id) { $0.state == .launchConfirmed })
            #expect(launched.launchDate == launch && launched.launchConfirmedOn == pair.today)
            #expect(try await city.services.store.publishedChanges(after: 0, limit: 10).changes.map(\.caseId) == [id])

            // Each message was applied once, in order, with its own event at the receiver.
            let cityEvents = try await pair.actions(city, id)
            for action in ["receiveForwarded", "receiveResubmission", "receiveDisagreement", "receiveRevision", "receiveLaunchConfirmation"] {
                #expect(cityEvents.filter { $0 == action }.count == 1, "\(action) in \(cityEvents)")
            }
            let countyEvents = try await pair.actions(county, id)
            for action in ["cityReceived", "receiveSupplementRequest", "receiveCoordination", "cityReReview"] {
                #expect(countyEvents.filter { $0 == action }.count == 1, "\(action) in \(countyEvents)")
            }
            #expect(countyEvents.filter { $0 == "receiveOpinion" }.count == 2)
            let cityGot = try await city.services.store.read { db in try NodeStore.caseMessagesReceived(db, from: "220183").map(\.type) }
            let countyGot = try await county.services.store.read { db in try NodeStore.caseMessagesReceived(db, from: "220100").map(\.type) }
            #expect(cityGot == [.caseForwarded, .caseResubmitted, .disagreementRecorded, .caseRevised, .launchConfirmed])
            #expect(countyGot == [.received, .supplementRequested, .opinionIssued, .coordinationRecorded, .reReviewStarted, .opinionIssued])
        }
    }

    /// Art 15: the county's ledger entries reach the city, for cases it keeps too.
    @Test func countyLedgerReportedReachesTheCity() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        let form = try await pair.exampleForm()
        let id = try await pair.atCounty.submit(form, by: pair.drafter).id
        try await pair.running {
            let reporter = CountyLedgerReporter(services: pair.county.services, interval: .seconds(3600), logger: .init(label: "test"))
            _ = try await reporter.reportOnce()
            var entries: [(origin: String, entry: Data)] = []
            for _ in 0..<200 where entries.isEmpty {
                entries = try await pair.city.services.store.read { db in try NodeStore.countyEntries(db, from: "2026-01-01", to: "2026-12-31") }
                if entries.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(entries.map(\.origin) == ["220183"])
            let entry = try JSONDecoder().decode(CountyCaseEntry.self, from: try #require(entries.first).entry)
            #expect(entry.caseId == id && entry.state == CaseState.submitted.rawValue)
        }
    }

    /// Resync after a restore (issue 17): the county, restored from a backup taken before the
    /// city's supplement request, its own resubmission and the city's opinion, asks the city
    /// (resyncRequested), which resends the city's messages and echoes the county's own
    /// (resent, in order), then resyncCompleted: the county applies the first, re-learns the
    /// second, and the case is where it was.
    @Test func aRestoredCountyResyncsWithTheCity() async throws {
        let pair = try await FederationPair()
        let backup = try Self.backupFolder()
        let restoredData = backup.appendingPathComponent("data")
        defer { pair.cleanUp(); try? FileManager.default.removeItem(at: backup) }
        let (county, city) = (pair.county, pair.city)
        let (id, form) = try await pair.forwardedCase()
        try await pair.running {
            #expect(try await pair.until(county, id) { $0.cityCaseNumber == id } != nil)
            _ = try NodeBackup.create(dataDirectory: county.configuration.dataDirectory, to: backup.appendingPathComponent("b.zip"))
            let finding = Finding(code: .policyFieldMissing, path: "policy.documentNumber", message: "请补充政策文件文号")
            _ = try await pair.atCity.supplementNotice(id, findings: [finding], reasons: [:], by: pair.cityReviewer)
            #expect(try await pair.until(county, id) { $0.state == .citySupplementRequested } != nil)
            _ = try await pair.atCounty.resubmit(id, Self.second(form), by: pair.drafter)
            #expect(try await pair.until(city, id) { $0.currentRevision == 2 } != nil)
            _ = try await pair.atCity.issueOpinion(id, outcome: .notPassed, changes: [RequiredChange(itemIndex: 0, element: nil, change: "补充咨询时间")],
                                                   remarks: nil, by: pair.cityReviewer)
            #expect(try await pair.until(county, id) { $0.state == .opinionNotPassed } != nil)
        }
        _ = try NodeBackup.restore(backup.appendingPathComponent("b.zip"), into: restoredData, expectedNodeId: "220183")
        let restored = try FederationPair.Node(nodeId: "220183", tier: .county, transport: pair.transport, today: pair.today, dataDirectory: restoredData)
        #expect(try await pair.record(restored, id)?.state == .forwarded)
        // An earlier resync's count left in the backup does not add to this one's.
        try await restored.services.store.write { db in try NodeStore.setMeta(db, Resync.StreamKeys("220100").applied, "99") }
        try await pair.running(county: restored) {
            let back = try #require(try await pair.until(restored, id) { $0.state == .opinionNotPassed })
            #expect(back.currentRevision == 2 && back.title == Self.second(form).policy.title && back.clockStops.last?.resumed == pair.today)
            let figures = try await Self.resyncFigures(restored)
            // The city's supplement request and opinion; the county's own resubmission.
            #expect(figures.resent == 2 && figures.echoed == 1 && figures.gaps.isEmpty)
            #expect(figures.applied == 3, "\(figures)")
            // The stream's working figures go once it completed.
            for key in Resync.StreamKeys("220100").all {
                #expect(try await restored.services.store.read { db in try NodeStore.meta(db, key) } == nil, "\(key)")
            }
            let actions = try await pair.actions(restored, id)
            #expect(actions.contains("receiveSupplementRequest") && actions.contains("resubmit") && actions.contains("receiveOpinion"))
            #expect(try await restored.services.store.read { db in try NodeStore.meta(db, Resync.pendingKey("220100")) } == nil)
        }
    }

    /// The store keeps milliseconds, and the city queues its `received` while it applies the
    /// forwarded case, often within the same millisecond as the receipt. A county restored
    /// from a backup taken before the forward must still get its own forward back first (the
    /// case is re-created) and the city's `received` after it, not a gap.
    @Test func aReactionQueuedInTheSameMillisecondAsItsCauseIsResentAfterIt() async throws {
        let pair = try await FederationPair()
        let backup = try Self.backupFolder()
        let restoredData = backup.appendingPathComponent("data")
        defer { pair.cleanUp(); try? FileManager.default.removeItem(at: backup) }
        _ = try NodeBackup.create(dataDirectory: pair.county.configuration.dataDirectory, to: backup.appendingPathComponent("b.zip"))
        let (id, _) = try await pair.forwardedCase()
        try await pair.running { () async throws in
            #expect(try await pair.until(pair.county, id) { $0.cityCaseNumber == id } != nil)
        }
        // The city's reaction at the very millisecond it received the forward.
        let changed = try await pair.city.services.store.write { db -> Int in
            try db.execute(sql: """
                UPDATE outbox SET createdAt = (SELECT receivedAt FROM inbox WHERE caseId = ?1 AND type = 'caseForwarded')
                WHERE caseId = ?1 AND type = 'received'
                """, arguments: [id])
            return db.changesCount
        }
        #expect(changed == 1)
        _ = try NodeBackup.restore(backup.appendingPathComponent("b.zip"), into: restoredData, expectedNodeId: "220183")
        let restored = try FederationPair.Node(nodeId: "220183", tier: .county, transport: pair.transport, today: pair.today, dataDirectory: restoredData)
        #expect(try await pair.record(restored, id) == nil)
        try await pair.running(county: restored) {
            #expect(try await pair.until(restored, id) { $0.cityCaseNumber == id } != nil)
            let figures = try await Self.resyncFigures(restored)
            #expect(figures.resent == 1 && figures.echoed == 1 && figures.gaps.isEmpty, "\(figures)")
        }
    }

    /// Both tiers restored, one after the other, from backups taken before a case was forwarded
    /// and answered: the city's resync records the county's forward (replayed) and its own
    /// `received` and opinion (re-learned) at times in the stream's order, so that the county's
    /// resync, answered by the restored city, gets its forward back before the city's answers.
    /// (Re-learned messages kept their original send time — whole seconds, the peer's clock —
    /// and came first: gaps, the opinion lost at the county.)
    @Test func bothTiersRestoredOneAfterTheOtherResyncWithoutGaps() async throws {
        let pair = try await FederationPair()
        let backup = try Self.backupFolder()
        defer { pair.cleanUp(); try? FileManager.default.removeItem(at: backup) }
        _ = try NodeBackup.create(dataDirectory: pair.county.configuration.dataDirectory, to: backup.appendingPathComponent("county.zip"))
        _ = try NodeBackup.create(dataDirectory: pair.city.configuration.dataDirectory, to: backup.appendingPathComponent("city.zip"))
        let (id, _) = try await pair.forwardedCase()
        try await pair.running { () async throws in
            #expect(try await pair.until(pair.county, id) { $0.cityCaseNumber == id } != nil)
            _ = try await pair.atCity.issueOpinion(id, outcome: .passed, changes: [], remarks: nil, by: pair.cityReviewer)
            #expect(try await pair.until(pair.county, id) { $0.state == .opinionPassed } != nil)
        }
        _ = try NodeBackup.restore(backup.appendingPathComponent("city.zip"), into: backup.appendingPathComponent("city"), expectedNodeId: "220100")
        let city = try FederationPair.Node(nodeId: "220100", tier: .city, transport: pair.transport, today: pair.today,
                                           dataDirectory: backup.appendingPathComponent("city"))
        try await pair.running(city: city) {
            #expect(try await pair.until(city, id) { $0.state == .opinionPassed } != nil)
            let figures = try await Self.resyncFigures(city, with: "220183")
            #expect(figures.gaps.isEmpty, "\(figures)")
        }
        _ = try NodeBackup.restore(backup.appendingPathComponent("county.zip"), into: backup.appendingPathComponent("county"), expectedNodeId: "220183")
        let county = try FederationPair.Node(nodeId: "220183", tier: .county, transport: pair.transport, today: pair.today,
                                             dataDirectory: backup.appendingPathComponent("county"))
        try await pair.running(county: county, city: city) {
            let back = try await pair.until(county, id) { $0.state == .opinionPassed && $0.cityCaseNumber == id }
            #expect(back != nil)
            let figures = try await Self.resyncFigures(county)
            #expect(figures.gaps.isEmpty, "\(figures)")
        }
    }

    /// Break-it finding: after a resync gap the city's next message on the case was answered
    /// `out-of-order` for ever, visible only in the link's last error. The case's detail (and
    /// its console page) now says which message waits and why.
    @Test func aMessageThePeerKeepsAnsweringOutOfOrderShowsOnTheCase() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        let (id, _) = try await pair.forwardedCase()
        try await pair.running { () async throws in
            #expect(try await pair.until(pair.county, id) { $0.cityCaseNumber == id } != nil)
        }
        // The county lost the city's first message on the case (as a resync gap leaves it).
        try await pair.county.services.store.write { db in
            try NodeStore.recordAppliedSequence(db, sender: "220100", caseId: id, sequence: 0)
        }
        _ = try await pair.atCity.issueOpinion(id, outcome: .passed, changes: [], remarks: nil, by: pair.cityReviewer)
        let city = pair.city
        @Sendable func waits() async throws -> [CaseDetail.DeliveryFailure] {
            try await city.services.store.read { db in
                try CaseDetail.load(db, try CaseWorkflow.load(db, id), calendar: city.services.calendar, today: pair.today).deliveryWaits
            }
        }
        #expect(try await waits().isEmpty)
        try await pair.running { () async throws in
            var found: [CaseDetail.DeliveryFailure] = []
            for _ in 0..<200 where found.isEmpty {
                found = try await waits()
                if found.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(found.map(\.type) == [.opinionIssued])
            #expect(found.first?.code == "out-of-order" && found.first?.reason.contains("缺少本案此前的消息") == true, "\(found)")
        }
        #expect(try await pair.record(pair.county, id)?.state == .forwarded, "the opinion waits")

        // Break-it finding (session 8): the operator could not act on it (retry and discard take
        // dead letters only). It is listed as waiting, and setting it aside makes it a dead letter.
        let links = try await city.services.store.read { db in try Links.status(db) }
        let waiting = try #require(links.first { $0.nodeId == "220183" }?.waitingMessages)
        #expect(waiting.map(\.type) == [.opinionIssued] && links.flatMap(\.deadLetters).isEmpty)
        let operatorUser = try await city.services.store.write { db in
            try NodeStore.createUser(db, name: "运维", role: .operator, unit: nil, isCityNode: true).0
        }
        let administration = try Administration(services: city.services, operator: operatorUser)
        await #expect(throws: APIError.self) { try await administration.setAsideWaitingMessage("no-such-message") }
        let setAside = try await administration.setAsideWaitingMessage(waiting[0].id)
        #expect(setAside.deadAt != nil)
        let after = try await city.services.store.read { db in (try DeadLetters.list(db), try DeadLetters.waiting(db)) }
        #expect(after.0.map(\.id) == [waiting[0].id] && after.1.isEmpty)
        // Now a dead letter: not sent, and retry/discard apply; a second set-aside finds nothing.
        await #expect(throws: APIError.self) { try await administration.setAsideWaitingMessage(waiting[0].id) }
        let detail = try await city.services.store.read { db in
            try CaseDetail.load(db, try CaseWorkflow.load(db, id), calendar: city.services.calendar, today: pair.today)
        }
        #expect(detail.deliveryWaits.isEmpty && detail.deliveryFailures.map(\.type) == [.opinionIssued], "\(detail.deliveryFailures)")
        let events = try await city.services.store.read { db in try NodeStore.events(db, caseId: id) }
        #expect(events.contains { $0.action == "setAsideWaitingMessage" })
    }

    /// A message that is merely queued (or refused for another reason) is not set aside.
    @Test func onlyAMessageThePeerKeepsAnsweringOutOfOrderCanBeSetAside() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        let (id, _) = try await pair.forwardedCase()
        let queued = try await pair.county.services.store.read { db in try NodeStore.undeliveredMessages(db, caseId: id) }
        let message = try #require(queued.first)
        await #expect(throws: StoreError.self) {
            try await pair.county.services.store.write { db in try DeadLetters.setAside(db, id: message.id, actor: "test") }
        }
        try await pair.county.services.store.write { db in
            for _ in 0..<NodeStore.outOfOrderWaitAttempts {
                try NodeStore.recordDeliveryFailure(db, messageId: message.id, error: #"{"error":{"code":"stale-message"}}"#, permanent: false, retryAt: Date())
            }
        }
        #expect(try await pair.county.services.store.read { db in try DeadLetters.waiting(db) }.isEmpty)
        _ = try await pair.county.services.store.write { db in
            try NodeStore.recordDeliveryFailure(db, messageId: message.id, error: #"{"error":{"code":"out-of-order"}}"#, permanent: false, retryAt: Date())
        }
        #expect(try await pair.county.services.store.read { db in try DeadLetters.waiting(db) }.map(\.id) == [message.id])
    }

    /// A fresh folder for a backup and the data restored from it.
    private static func backupFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A restored node's resync with `peer`, once complete (waits up to 10 s).
    private static func resyncFigures(_ restored: FederationPair.Node, with peer: String = "220100") async throws -> Resync.Figures {
        var result: String?
        for _ in 0..<200 where result == nil {
            result = try await restored.services.store.read { db in try NodeStore.meta(db, Resync.resultKey(peer)) }
            if result == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        return try JSONDecoder.iso8601.decode(Resync.Figures.self, from: Data(try #require(result).utf8))
    }

    private static func second(_ form: CaseForm) -> CaseForm {
        var second = form
        second.policy.title = (form.policy.title ?? "") + "(修订)"
        return second
    }

    /// A re-key announcement: the peer verifies the next message with the new key.
    @Test func keyRotatedChangesTheKeyThePeerVerifiesWith() async throws {
        let pair = try await FederationPair()
        defer { pair.cleanUp() }
        let before = pair.county.services.identity.publicKeyBase64
        try await pair.running {
            _ = try await KeyRotation.rotate(services: pair.county.services, grace: 3600)
            let after = pair.county.services.identity.publicKeyBase64
            #expect(after != before)
            var held: String?
            for _ in 0..<200 where held != after {
                held = try await pair.city.services.store.link("220183")?.publicKey
                if held != after { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(held == after)
            #expect(try await pair.city.services.store.link("220183")?.previousPublicKey == before)
            // The case that follows is signed with the new key and applied.
            let (id, _) = try await pair.forwardedCase()
            #expect(try await pair.until(pair.city, id) { $0.state == .finalReview } != nil)
        }
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
