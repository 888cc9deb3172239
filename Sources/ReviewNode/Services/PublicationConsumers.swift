import Foundation
import ReviewProtocol
import ReviewStore

/// Art 14: the consuming platforms the city pushes published items to, managed by the
/// operator. Making one checks, once, that the user is the operator of the city node.
struct PublicationConsumers: Sendable {
    let services: NodeServices

    /// - Throws: 403 unless `user` is the operator; 404 (`not-published-here`) on a county node.
    init(services: NodeServices, operator user: UserRecord) throws {
        try Access.requireRole(user, .operator)
        guard services.configuration.isCity else {
            throw APIError(.notFound, code: "not-published-here", message: "本节点不发布政策服务事项", detail: "consumers are registered on the city node")
        }
        self.services = services
    }

    /// Every consumer with its delivery queue.
    func queues() async throws -> [ConsumerQueue] {
        try await services.store.consumerQueues()
    }

    /// Registers a consumer (pushing starts at once) and answers with its queue.
    /// `url` is http(s) without credentials; `secret` 16–200 characters; `divisions` GB/T 2260
    /// codes (empty: every jurisdiction).
    /// - Throws: 422 naming the field; 409 (`consumer-exists`) for a name already registered.
    func register(name: String, url text: String, secret: String, divisions: [String]) async throws -> ConsumerQueue {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw APIError.invalid("name", "名称不能为空且不超过100字") }
        if let problem = PlainText.problem(name, maxLength: 100, multiline: false) { throw APIError.invalid("name", problem) }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false, text.count <= 2000 else {
            throw APIError.invalid("url", "接收地址应为 http 或 https 网址")
        }
        // Credentials belong in the shared secret, not in a URL that operators see listed.
        guard url.user == nil, url.password == nil else {
            throw APIError.invalid("url", "接收地址中不应含用户名或密码,请改用共享密钥")
        }
        guard secret.count >= 16, secret.count <= 200 else { throw APIError.invalid("secret", "共享密钥应为16至200个字符") }
        for (index, code) in divisions.enumerated() where code.count != 6 || !code.allSatisfy(\.isASCII) || !code.allSatisfy(\.isNumber) {
            throw APIError.invalid("divisions[\(index)]", "区划代码应为6位数字")
        }
        do {
            let consumer = try await services.store.registerConsumer(PublicationConsumerRecord(name: name, url: text, secret: secret, divisions: divisions))
            services.publicationSignal.notify()
            guard let queue = try await queues().first(where: { $0.consumer.id == consumer.id }) else {
                throw APIError(.internalServerError, code: "internal", message: "内部错误")
            }
            return queue
        } catch let error as StoreError where error.code == .conflict {
            throw APIError(.conflict, code: "consumer-exists", message: "该名称的对接平台已登记", field: "name")
        }
    }

    /// Queues a consumer's dead letters again; how many.
    /// - Throws: 404 (`consumer-not-found`).
    func retry(consumerId id: Int64) async throws -> Int {
        do {
            let count = try await services.store.retryConsumerDeadLetters(consumerId: id)
            services.publicationSignal.notify()
            return count
        } catch let error as StoreError where error.code == .notFound {
            throw Self.notFound
        }
    }

    static let notFound = APIError(.notFound, code: "consumer-not-found", message: "未找到该对接平台", field: "consumerId")
}
