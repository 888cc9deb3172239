import Foundation
import HTTPTypes
import Hummingbird
import ReviewStore

/// `/api/v1/federation/…`: the links' status, the keyring, and the operator's link checks,
/// chain audits, re-keying and dead letters (``Administration``).
struct FederationRoutes: RouteTable {
    let services: NodeServices
    static let mount = "federation"

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "status", { $0.status }),
        (.post, "links/:nodeId/check", { $0.checkLink }),
        (.post, "links/:nodeId/audit", { $0.auditLink }),
        (.post, "rekey", { $0.rekey }),
        (.get, "keys", { $0.keys }),
        (.post, "outbox/:messageId/retry", { $0.retryDeadLetter }),
        (.post, "outbox/:messageId/discard", { $0.discardDeadLetter }),
        (.post, "outbox/:messageId/set-aside", { $0.setAsideWaitingMessage }),
    ]

    struct StatusView: Codable {
        var node: String
        var fingerprint: String
        var links: [Links.Status]
    }

    func status(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard user.role == .operator || user.role.isReviewer || user.role == .supervisor else {
            throw APIError.forbidden("federation status is for operators, reviewers and supervisors")
        }
        let links = try await services.store.read { db in try Links.status(db) }
        return try HTTPBody.json(StatusView(node: services.configuration.nodeId, fingerprint: services.identity.fingerprint, links: links))
    }

    /// A signed ping round trip to the peer, with its latency.
    func checkLink(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(try await administration.checkLink(try context.parameters.require("nodeId")))
    }

    /// Cross-checks the peer's event log now (operator): does it still hold every chain head it
    /// sent this node? 200 with `{nodeId, ok, checked, missing, peerChainIntact, problem}`.
    func auditLink(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(try await administration.auditLink(try context.parameters.require("nodeId"), logger: context.logger))
    }

    /// The keyring: every key this node and its peers signed with, and when (any signed-in user:
    /// public keys are no secret, and whoever holds an opinion may verify it).
    func keys(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let configuration = services.configuration
        return try HTTPBody.json(try await services.store.read { db in
            try Links.keyring(db, ownNodeId: configuration.nodeId, ownName: configuration.name, ownTier: configuration.tier)
        })
    }

    /// A dead letter queued again (operator).
    func retryDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(try await administration.resolveDeadLetter(try context.parameters.require("messageId"), retry: true))
    }

    /// A dead letter given up (operator); the case's later messages are renumbered.
    func discardDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(try await administration.resolveDeadLetter(try context.parameters.require("messageId"), retry: false))
    }

    /// A message its peer keeps answering `out-of-order` made a dead letter (operator).
    func setAsideWaitingMessage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(try await administration.setAsideWaitingMessage(try context.parameters.require("messageId")))
    }

    struct RekeyRequest: Codable {
        /// How long peers keep accepting the old key; default 7 days.
        var graceHours: Double?
    }

    /// A new key pair without downtime (operator).
    func rekey(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        let data = try await HTTPBody.bytes(of: request, limit: jsonLimit)
        let body = data.isEmpty ? RekeyRequest() : try HTTPBody.decode(RekeyRequest.self, data: data)
        let hours = body.graceHours ?? 168
        guard hours > 0, hours <= 8760 else { throw APIError.invalid("graceHours", "宽限期应为1至8760小时(一年)") }
        return try HTTPBody.json(try await administration.rekey(grace: hours * 3600))
    }
}
