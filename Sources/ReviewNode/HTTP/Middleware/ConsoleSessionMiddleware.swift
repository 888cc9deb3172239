import Foundation
import Logging
import Hummingbird
import ReviewStore

/// Signs browsers in by cookie. Pages other than sign-in redirect there without a session.
struct ConsoleSessionMiddleware: RouterMiddleware {
    let store: NodeStore
    let cookie: SessionCookie

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let value = cookie.value(in: request),
           let (session, user) = try await store.read({ db in try NodeStore.session(db, cookie: value) }) {
            context.user = user
            context.consoleSession = session
            context.logger[metadataKey: "user"] = "\(user.id ?? 0)"
        }
        let path = request.uri.path
        if context.user == nil, path != "/console/login" {
            let target = request.method == .get || request.method == .head ? "?next=" + (request.uri.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : ""
            return ConsoleRenderer.redirect("/console/login" + target)
        }
        return try await next(request, context)
    }
}
