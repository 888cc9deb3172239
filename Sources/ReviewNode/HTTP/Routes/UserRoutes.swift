import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewStore

/// `/api/v1/me` and the operator's `/api/v1/users`.
struct UserRoutes: RouteTable {
    let services: NodeServices
    static let mount = ""

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "me", { $0.me }),
        (.get, "users", { $0.list }),
        (.post, "users", { $0.create }),
        (.post, "users/:userId/disable", { $0.disable }),
        (.post, "users/:userId/enable", { $0.enable }),
    ]

    func me(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(UserView(try context.requireUser()))
    }

    struct CreateUser: Codable {
        var name: String
        var role: Role
        var unit: String?
        /// YYYY-MM-DD: the token works through that day (Beijing time), then stops.
        var expiresOn: String?
    }

    struct CreatedUser: Codable {
        var user: UserView
        /// Shown once; only its hash is stored.
        var token: String
    }

    func list(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try Administration(services: services, operator: try context.requireUser())
        return try HTTPBody.json(["users": try await services.store.users().map(UserView.init)])
    }

    func create(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        let body = try await HTTPBody.decode(CreateUser.self, from: request, limit: jsonLimit)
        let expiry = try body.expiresOn.map { text -> Date in
            guard let day = CivilDate(iso: text) else { throw APIError.invalid("expiresOn", "令牌有效期应为“年-月-日”格式(如2026-03-20)的日期") }
            guard day >= services.today.date else { throw APIError.invalid("expiresOn", "令牌有效期不能早于今天") }
            return day.endOfDayInBeijing
        }
        let (user, token) = try await administration.createUser(name: body.name, role: body.role, unit: body.unit, expiresAt: expiry)
        return try HTTPBody.json(CreatedUser(user: UserView(user), token: token), status: .created)
    }

    func disable(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setDisabled(true, context)
    }

    func enable(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setDisabled(false, context)
    }

    /// Disabling takes effect at once: the token and every console session of the user stop.
    private func setDisabled(_ disabled: Bool, _ context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        guard let userId = WholeNumber.parse(try context.parameters.require("userId")) else { throw Administration.userNotFound }
        return try HTTPBody.json(UserView(try await administration.setDisabled(userId: userId, disabled)))
    }
}
