import Foundation
import Hummingbird
import ReviewProtocol
import ReviewStore

/// Art 14: the city's published feed of launched service items (pull), and the consumers the
/// city pushes them to (operator).
struct PublicationRoutes: RouteTable {
    let services: NodeServices
    static let mount = ""

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "published", { $0.publishedFeed }),
        (.get, "published/:itemId", { $0.publishedItem }),
        (.get, "publication/consumers", { $0.listConsumers }),
        (.post, "publication/consumers", { $0.registerConsumer }),
        (.post, "publication/consumers/:consumerId/retry", { $0.retryConsumer }),
    ]

    /// Largest page of the feed.
    static let maximumFeedPage = 500

    /// Who reads the feed: consuming platforms, and the city's reviewers and supervisor (who see
    /// every case anyway). The operator sees no case content.
    func requireFeedReader(_ context: NodeRequestContext) throws {
        let user = try context.requireUser()
        try Access.requireRole(user, .platform, .cityReviewer, .supervisor)
        guard services.configuration.isCity else {
            throw APIError(.notFound, code: "not-published-here", message: "本节点不发布政策服务事项", detail: "the feed is on the city node")
        }
    }

    /// `GET /api/v1/published?after=CURSOR&limit=N`: the changes after the cursor, in order,
    /// each with the document the city signed.
    func publishedFeed(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try requireFeedReader(context)
        let after = try request.strictQuery("after").map { text -> Int in
            guard let value = WholeNumber.int(text) else { throw APIError.invalid("after", "after 应为不小于0的整数(上次返回的 next)") }
            return value
        } ?? 0
        let limit = try request.strictQuery("limit").map { text -> Int in
            guard let value = WholeNumber.int(text), (1...Self.maximumFeedPage).contains(value) else {
                throw APIError.invalid("limit", "limit 应为1至\(Self.maximumFeedPage)的整数")
            }
            return value
        } ?? 100
        let (rows, hasMore) = try await services.store.publishedChanges(after: after, limit: limit)
        let nodeId = services.configuration.nodeId
        let entries = try rows.map { try $0.entry(signerNodeId: nodeId) }
        return try HTTPBody.json(PublishedFeedPage(changes: entries, next: entries.last?.sequence ?? after, hasMore: hasMore))
    }

    /// What `GET /api/v1/published/{itemId}` answers: the version in force today (Beijing) and
    /// the changes published but not yet effective.
    struct PublishedItemView: Codable {
        var itemId: String
        /// Nil until the launch date.
        var inForce: PublishedEntry?
        var upcoming: [PublishedEntry]
    }

    func publishedItem(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try requireFeedReader(context)
        let itemId = try context.parameters.require("itemId")
        let versions = try await services.store.publishedVersions(of: itemId)
        guard !versions.isEmpty else {
            throw APIError(.notFound, code: "item-not-found", message: "该政策服务事项未发布", field: "itemId")
        }
        let today = services.today.date
        let nodeId = services.configuration.nodeId
        let current = NodeStore.versionInForce(versions, on: today)
        return try HTTPBody.json(PublishedItemView(
            itemId: itemId, inForce: try current?.entry(signerNodeId: nodeId),
            upcoming: try versions.filter { $0.sequence > (current?.sequence ?? 0) }.map { try $0.entry(signerNodeId: nodeId) }))
    }

    // MARK: Consumers (operator)

    struct RegisterConsumer: Codable {
        var name: String
        /// http(s) URL the changes are POSTed to.
        var url: String
        /// Shared secret for the HMAC of each push (at least 16 characters).
        var secret: String
        /// GB/T 2260 codes; empty or absent: every jurisdiction.
        var divisions: [String]?
    }

    struct ConsumerView: Codable {
        var id: Int64
        var name: String
        var url: String
        var divisions: [String]
        var enabled: Bool
        var waiting: Int
        var delivered: Int
        var dead: Int
        var deadSequences: [Int]
        var lastError: String?

        init(_ queue: ConsumerQueue) {
            id = queue.consumer.id ?? 0
            name = queue.consumer.name
            url = queue.consumer.url
            divisions = queue.consumer.divisionList
            enabled = queue.consumer.enabled
            waiting = queue.waiting
            delivered = queue.delivered
            dead = queue.dead
            deadSequences = queue.deadSequences
            lastError = queue.lastError
        }
    }

    func listConsumers(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let consumers = try PublicationConsumers(services: services, operator: try context.requireUser())
        return try HTTPBody.json(["consumers": try await consumers.queues().map(ConsumerView.init)])
    }

    func registerConsumer(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let consumers = try PublicationConsumers(services: services, operator: try context.requireUser())
        let body = try await HTTPBody.decode(RegisterConsumer.self, from: request, limit: jsonLimit)
        let queue = try await consumers.register(name: body.name, url: body.url, secret: body.secret, divisions: body.divisions ?? [])
        return try HTTPBody.json(ConsumerView(queue), status: .created)
    }

    /// Queues a consumer's dead letters again.
    func retryConsumer(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let consumers = try PublicationConsumers(services: services, operator: try context.requireUser())
        guard let id = WholeNumber.parse(try context.parameters.require("consumerId")) else { throw PublicationConsumers.notFound }
        return try HTTPBody.json(["requeued": try await consumers.retry(consumerId: id)])
    }
}
