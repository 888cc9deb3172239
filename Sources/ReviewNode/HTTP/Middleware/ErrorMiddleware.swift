import Foundation
import Logging
import Hummingbird
import ReviewStore

/// Turns every error into the JSON error body, so that no response is a bare status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let answer = ReviewError.answer(for: error) {
                if answer.0 == .serviceUnavailable, !(error is ReviewError) {
                    context.logger.error("storage fault", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                }
                return try ReviewError.response(status: answer.0, body: answer.1)
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try ReviewError.response(status: .internalServerError, body: ReviewError.internalBody)
        }
    }
}
