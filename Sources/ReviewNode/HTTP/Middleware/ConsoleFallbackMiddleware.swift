import HTTPTypes
import Hummingbird

/// What the router answers under /console when no route matches: a Chinese page, never the
/// API's JSON. A console address with another method (`GET` on an action that is only posted,
/// `POST /console/ledger`, `DELETE /console`) is 405 with `Allow`; any other address is 404
/// 页面不存在. Added to the router after every route, so that (as Hummingbird applies a router
/// middleware only to routes added after it) it wraps the not-found responder alone; other
/// paths keep the API's JSON 404.
struct ConsoleFallbackMiddleware: RouterMiddleware {
    let pages: ConsoleErrorMiddleware

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard path == "/console" || path.hasPrefix("/console/") else { throw error }
            let allowed = ConsoleRoutes.methods(at: String(path.dropFirst("/console".count)))
            guard !allowed.isEmpty else {
                return pages.page(.notFound, "页面不存在", field: nil, detail: nil, context: context)
            }
            var response = pages.page(.methodNotAllowed, "此页面不能以这种方式打开,请使用页面上的链接或按钮", field: nil, detail: nil, context: context)
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        }
    }
}
