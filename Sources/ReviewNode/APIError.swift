public import Hummingbird
import Foundation
import GRDB
import HTTPTypes
import NIOCore
import Logging

/// An API error as the client sees it: an HTTP status and a JSON body
/// `{"error": {"code", "message", "field", "detail"}}`. `message` is Chinese for the people
/// using the node; `detail` is English for operators; `field` names the offending input.
public struct APIError: HTTPResponseError, Sendable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var field: String?
        public var detail: String?
        /// For illegal transitions: the case's current state.
        public var state: String?
        /// Extra items, e.g. every missing material or every element needing a reason.
        public var items: [String]?
        /// Node-to-node refusals only: true when the content can never be applied, so that the
        /// sender stops retrying after a few attempts (a dead letter) instead of blocking.
        public var permanent: Bool?
    }

    public let status: HTTPResponse.Status
    public let body: Body

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, detail: String? = nil, state: String? = nil,
                items: [String]? = nil, permanent: Bool? = nil) {
        self.status = status
        self.body = Body(code: code, message: message, field: field, detail: detail, state: state, items: items, permanent: permanent)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(["error": body])
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let unauthenticated = APIError(.unauthorized, code: "unauthenticated", message: "未登录或令牌无效", detail: "send Authorization: Bearer <token>")
    static func forbidden(_ detail: String) -> APIError {
        APIError(.forbidden, code: "forbidden", message: "无权执行此操作", detail: detail)
    }
    /// Also used for cases the user may not see, so that their existence does not leak.
    static let caseNotFound = APIError(.notFound, code: "case-not-found", message: "案件不存在", field: "id")
    /// A storage fault as a 503 with a stable code: the disk is full, or the database cannot be
    /// written. Reads go on being served. Nil for other database errors.
    static func storage(_ error: any Error) -> APIError? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            return APIError(.serviceUnavailable, code: "storage-full", message: "服务器存储空间已满,本次操作未保存,请联系运维人员",
                            detail: "SQLite: database or disk is full")
        case .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN:
            return APIError(.serviceUnavailable, code: "storage-unavailable", message: "服务器存储暂时不可写,本次操作未保存,请联系运维人员",
                            detail: "SQLite: \(error.resultCode)")
        default:
            return nil
        }
    }

    static func invalid(_ field: String?, _ message: String, detail: String? = nil) -> APIError {
        APIError(.unprocessableContent, code: "invalid-input", message: message, field: field, detail: detail)
    }
}

/// Turns every error into the JSON error body, so that no response is a bare status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try APIError(.contentTooLarge, code: "body-too-large", message: "请求内容超过大小上限").response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not-found" : "http-\(error.status.code)"
            let message = error.status == .notFound ? "请求的地址不存在" : "请求无法处理"
            return try APIError(error.status, code: code, message: message, detail: error.body).response(from: request, context: context)
        } catch {
            if let storage = APIError.storage(error) {
                context.logger.error("storage fault", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                return try storage.response(from: request, context: context)
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try APIError(.internalServerError, code: "internal", message: "服务器内部错误,请联系运维人员").response(from: request, context: context)
        }
    }
}
