import CurlClient
import Foundation
import HTTPTypes
import Logging
import ReviewProtocol
import ReviewStore
import ServiceLifecycle

/// Logs that check each other: every message carries its sender's event-chain head; this node
/// asks each peer to prove, in an answer signed with the peer's key, that its log still holds
/// every head it sent (those this node still remembers). A head the peer no longer holds means
/// its history was rewritten; the result is kept on the link (status, console) and logged.
enum ChainAudit {
    /// The outcome of one cross-check.
    struct Outcome: Codable, Sendable {
        var nodeId: String
        var ok: Bool
        /// Heads checked, and those the peer's log no longer holds.
        var checked: Int
        var missing: [String]
        var peerChainIntact: Bool?
        /// What went wrong, for operators (English).
        var problem: String?
    }

    static func check(peer nodeId: String, services: NodeServices, logger: Logger) async throws -> Outcome {
        let configuration = services.configuration
        let (link, heads) = try await services.store.read { db -> (LinkRecord?, [String]) in
            (try NodeStore.link(db, nodeId), try NodeStore.receivedHeads(db, sender: nodeId, limit: ChainCheckPayload.maximumHeads))
        }
        guard let link else { throw APIError(.notFound, code: "link-not-found", message: "未找到该节点连接", field: "nodeId") }
        var outcome = Outcome(nodeId: nodeId, ok: false, checked: heads.count, missing: [], peerChainIntact: nil, problem: nil)
        if heads.isEmpty {
            outcome.ok = true
        } else if !link.enabled {
            outcome.problem = "the link is disabled"
        } else {
            let envelope = FederationEnvelope(id: UUID().uuidString.lowercased(), sender: configuration.nodeId, receiver: nodeId, type: .chainCheck,
                                              caseId: nil, sequence: 0, sentAt: Date().formatted(.iso8601),
                                              chainHead: try await services.store.chainHead(),
                                              payload: ChainCheckPayload(heads: heads))
            let (body, signature) = try Outbox.signed(envelope, identity: services.identity)
            do {
                let response = try await services.transport.send(frame: body, signature: signature, sender: configuration.nodeId, to: link.baseURL)
                outcome = evaluate(response, heads: heads, link: link, outcome: outcome)
            } catch {
                outcome.problem = "no answer: \(error)"
            }
        }
        let recorded = outcome
        try await services.store.write { db in
            try NodeStore.recordAudit(db, peer: nodeId, ok: recorded.ok, problem: recorded.problem)
            if !recorded.ok, !recorded.missing.isEmpty {
                try NodeStore.appendEvent(db, caseId: nil, actor: "system", action: "peerLogMismatch",
                                          payload: ["peer": nodeId, "missing": String(recorded.missing.count), "first": recorded.missing.first ?? ""])
            }
        }
        if outcome.ok {
            logger.debug("peer log cross-check passed", metadata: ["peer": "\(nodeId)", "heads": "\(heads.count)"])
        } else {
            logger.error("peer log cross-check FAILED", metadata: ["peer": "\(nodeId)", "problem": "\(outcome.problem ?? "")"])
        }
        return outcome
    }

    /// Verifies the signed proof against the peer's keys and compares it with the heads sent.
    static func evaluate(_ response: PeerAnswer, heads: [String], link: LinkRecord, outcome: Outcome) -> Outcome {
        var outcome = outcome
        struct Answer: Decodable {
            var proofJSON: Data?
            var proofSignature: Data?
        }
        guard response.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: response.body),
              let json = answer.proofJSON, let signature = answer.proofSignature
        else {
            outcome.problem = "HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            return outcome
        }
        guard FederationIntake.verify(signature, of: json, link: link), let proof = try? JSONDecoder().decode(ChainProof.self, from: json),
              proof.node == link.nodeId
        else {
            outcome.problem = "the proof is not signed by \(link.nodeId)'s key"
            return outcome
        }
        outcome.missing = heads.filter { $0 != EventRecord.genesis && proof.found[$0] == nil }
        outcome.peerChainIntact = proof.intact
        if !outcome.missing.isEmpty {
            outcome.problem = "\(link.nodeId)'s log no longer holds \(outcome.missing.count) of \(heads.count) chain heads it sent (first: \(outcome.missing[0])): its history was rewritten"
        } else if !proof.intact {
            outcome.problem = "\(link.nodeId) reports its own chain broken"
        } else {
            outcome.ok = true
        }
        return outcome
    }
}

/// Cross-checks every enabled peer's log every `interval` (see ``ChainAudit``).
struct ChainAuditService: Service {
    let services: NodeServices
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let (services, logger) = (self.services, self.logger)
        await Periodically.run(every: interval, first: interval) {
            let peers = (try? await services.store.enabledPeers()) ?? []
            for peer in peers {
                _ = try? await ChainAudit.check(peer: peer, services: services, logger: logger)
            }
        }
    }
}
