import Foundation
import Logging
import Hummingbird
import ReviewStore

/// Authenticates every request with `Authorization: Bearer <token>` against the hashed tokens.
struct AuthMiddleware: RouterMiddleware {
    let store: NodeStore
    /// Counts failed bearer tokens (nil in tests that need no metrics).
    var metrics: NodeMetrics? = nil
    /// What a `platform` account may call.
    static let platformPaths = ["/api/v1/published", "/api/v1/federation/keys", "/api/v1/me"]

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            metrics?.signInFailed(via: "token")
            throw APIError.unauthenticated
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let user = try await store.read({ db in try NodeStore.user(db, token: token) }) else {
            metrics?.signInFailed(via: "token")
            throw APIError.unauthenticated
        }
        // Art 14: a consuming platform reads the published feed and the keyring, nothing else.
        if user.role == .platform, !AuthMiddleware.platformPaths.contains(where: { request.uri.path.hasPrefix($0) }) {
            throw APIError.forbidden("a platform account reads only /api/v1/published and /api/v1/federation/keys")
        }
        var context = context
        context.user = user
        context.logger[metadataKey: "user"] = "\(user.id ?? 0)"
        return try await next(request, context)
    }
}

import Foundation
