import Foundation
import Logging
import HTTPTypes
import Hummingbird
import NIOCore
import ReviewStore

/// Errors as Chinese pages instead of JSON; the API's ErrorMiddleware stays outside.
struct ConsoleErrorMiddleware: RouterMiddleware {
    let renderer: ConsoleRenderer
    let nodeName: String
    let isCity: Bool

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status == .unauthorized { return ConsoleRenderer.redirect("/console/login") }
            return page(error.status, error.body.message, field: error.body.field, detail: error.body.detail, context: context)
        } catch is NIOTooManyBytesError {
            return page(.contentTooLarge, "上传内容超过大小上限", field: nil, detail: nil, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return page(.notFound, "页面不存在", field: nil, detail: nil, context: context)
        } catch {
            // Never the API's JSON under /console: what the API would answer, as a page; an
            // error nobody mapped is a logged 500 page.
            guard let (status, body) = APIError.answer(for: error) else {
                context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
                return page(.internalServerError, APIError.internalBody.message, field: nil, detail: nil, context: context)
            }
            if status == .serviceUnavailable {
                context.logger.error("storage fault", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            return page(status, body.message, field: nil, detail: body.detail, context: context)
        }
    }

    /// The Chinese error page (``ConsoleFallbackMiddleware`` renders its 404 and 405 here too).
    func page(_ status: HTTPResponse.Status, _ message: String, field: String?, detail: String?, context: NodeRequestContext) -> Response {
        var view = ConsoleView.base(context, nodeName: nodeName, isCity: isCity, title: "操作未完成")
        view["status"] = status.code
        view["message"] = message
        // Where, in the clerk's words.
        // A missing or forbidden page has no field to point at.
        let named = status != .notFound && status != .forbidden
        view["field"] = field.flatMap { named ? ConsoleVocabulary.fieldPlace($0) : nil }
        // The API's English detail: for operators only, folded away.
        if context.user?.role == .operator { view["detail"] = detail }
        return renderer.page("error", view, status: status)
    }
}
