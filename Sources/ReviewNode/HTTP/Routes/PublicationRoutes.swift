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
        let after = try request.query("after").map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw APIError.invalid("after", "after 应为不小于0的整数(上次返回的 next)") }
            return value
        } ?? 0
        let limit = try request.query("limit").map { text -> Int in
            guard let value = Int(text), (1...Self.maximumFeedPage).contains(value) else {
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

    func requirePublishingOperator(_ context: NodeRequestContext) throws -> UserRecord {
        let user = try context.requireUser()
        try Access.requireRole(user, .operator)
        guard services.configuration.isCity else {
            throw APIError(.notFound, code: "not-published-here", message: "本节点不发布政策服务事项", detail: "consumers are registered on the city node")
        }
        return user
    }

    func listConsumers(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requirePublishingOperator(context)
        return try HTTPBody.json(["consumers": try await services.store.consumerQueues().map(ConsumerView.init)])
    }

    func registerConsumer(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requirePublishingOperator(context)
        let body = try await HTTPBody.decode(RegisterConsumer.self, from: request, limit: jsonLimit)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw APIError.invalid("name", "名称不能为空且不超过100字") }
        if let problem = PlainText.problem(name, maxLength: 100, multiline: false) { throw APIError.invalid("name", problem) }
        guard let url = URL(string: body.url), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false, body.url.count <= 2000 else {
            throw APIError.invalid("url", "接收地址应为 http 或 https 网址")
        }
        // Credentials belong in the shared secret, not in a URL that operators see listed.
        guard url.user == nil, url.password == nil else {
            throw APIError.invalid("url", "接收地址中不应含用户名或密码,请改用共享密钥")
        }
        guard body.secret.count >= 16, body.secret.count <= 200 else { throw APIError.invalid("secret", "共享密钥应为16至200个字符") }
        let divisions = body.divisions ?? []
        for (index, code) in divisions.enumerated() where code.count != 6 || !code.allSatisfy(\.isASCII) || !code.allSatisfy(\.isNumber) {
            throw APIError.invalid("divisions[\(index)]", "区划代码应为6位数字")
        }
        do {
            let consumer = try await services.store.registerConsumer(PublicationConsumerRecord(name: name, url: body.url, secret: body.secret, divisions: divisions))
            services.publicationSignal.notify()
            let queue = try await services.store.consumerQueues().first { $0.consumer.id == consumer.id }
            guard let queue else { throw APIError(.internalServerError, code: "internal", message: "内部错误") }
            return try HTTPBody.json(ConsumerView(queue), status: .created)
        } catch let error as StoreError where error.code == .conflict {
            throw APIError(.conflict, code: "consumer-exists", message: "该名称的对接平台已登记", field: "name")
        }
    }

    /// Queues a consumer's dead letters again.
    func retryConsumer(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requirePublishingOperator(context)
        guard let id = Int64(try context.parameters.require("consumerId")) else {
            throw APIError(.notFound, code: "consumer-not-found", message: "未找到该对接平台", field: "consumerId")
        }
        do {
            let count = try await services.store.retryConsumerDeadLetters(consumerId: id)
            services.publicationSignal.notify()
            return try HTTPBody.json(["requeued": count])
        } catch let error as StoreError where error.code == .notFound {
            throw APIError(.notFound, code: "consumer-not-found", message: "未找到该对接平台", field: "consumerId")
        }
    }
}
