import HTTPTypes
import Hummingbird

/// Counts every request by method, route pattern and status, with its latency, into the
/// node's metrics. Outermost, so that it sees the status errors are rendered with.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let metrics: NodeMetrics
    static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        // The pattern, not the path: case ids must not become label values.
        let route = context.endpointPath ?? "unmatched"
        // A client may send any method token: only the known ones become label values.
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        do {
            let response = try await next(request, context)
            metrics.request(method: method, route: route, status: Int(response.status.code), duration: started.duration(to: .now))
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(method: method, route: route, status: Int(status), duration: started.duration(to: .now))
            throw error
        }
    }
}
