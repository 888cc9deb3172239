import Foundation
import ReviewProtocol
import ReviewStore

/// A signed ping to a peer and its round trip, sent through the node's ``PeerTransport``; the
/// outcome is recorded on the link (the operator page shows the last one).
struct LinkCheck: Sendable {
    let services: NodeServices

    /// What a check found: `ok` when the peer answered 200; the round trip in milliseconds.
    struct Result: Codable, Sendable {
        var nodeId: String
        var ok: Bool
        var milliseconds: Double
        var status: Int?
        var error: String?
    }

    /// The `error` of a check on a disabled link (nothing is sent).
    static let disabled = "the link is disabled"

    /// Pings `nodeId` now. A disabled link neither sends nor accepts messages: the check says
    /// so instead of pinging.
    /// - Throws: 404 (`link-not-found`) when there is no link to `nodeId`.
    func run(_ nodeId: String) async throws -> Result {
        guard let link = try await services.store.link(nodeId) else {
            throw APIError(.notFound, code: "link-not-found", message: "未找到该节点连接", field: "nodeId")
        }
        guard link.enabled else { return Result(nodeId: nodeId, ok: false, milliseconds: 0, status: nil, error: Self.disabled) }
        let envelope = FederationEnvelope(id: UUID().uuidString.lowercased(), sender: services.configuration.nodeId, receiver: nodeId, type: .ping,
                                          caseId: nil, sequence: 0, sentAt: ISO8601DateFormatter().string(from: Date()),
                                          chainHead: try await services.store.chainHead(),
                                          payload: PingPayload(nonce: UUID().uuidString))
        let (body, signature) = try Outbox.signed(envelope, identity: services.identity)
        let started = ContinuousClock.now
        var result = Result(nodeId: nodeId, ok: false, milliseconds: 0)
        do {
            let response = try await services.transport.send(frame: body, signature: signature, sender: services.configuration.nodeId, to: link.baseURL)
            result.status = response.status
            result.ok = response.status == 200
            if !result.ok { result.error = String(decoding: response.body.prefix(300), as: UTF8.self) }
        } catch {
            result.error = String(describing: error)
        }
        let elapsed = ContinuousClock.now - started
        result.milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        try await services.store.recordLinkCheck(nodeId: nodeId, at: Date(), milliseconds: result.ok ? result.milliseconds : nil)
        return result
    }
}
