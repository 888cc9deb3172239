public import Hummingbird
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Logging
public import ReviewStore

/// The name the routes were written with: the domain error ``ReviewError`` (ReviewStore).
/// Its factories (`APIError.caseNotFound`, `.invalid(_:_:)`, `.forbidden(_:)`,
/// `APIError(.conflict, code:message:)`) are ReviewError's.
public typealias APIError = ReviewError

/// The one place where domain errors become HTTP: a status per ``ReviewError/Kind`` and the
/// JSON body `{"error": {"code", "message", "field", "detail"}}`.
extension ReviewError: HTTPResponseError {
    /// The HTTP status of an error of this kind.
    public var status: HTTPResponse.Status { Self.status(of: kind) }

    static func status(of kind: Kind) -> HTTPResponse.Status {
        switch kind {
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .invalid: .unprocessableContent
        case .malformed: .badRequest
        case .tooLarge: .contentTooLarge
        case .unsupportedMedia: .unsupportedMediaType
        case .wrongReceiver: .misdirectedRequest
        case .unavailable: .serviceUnavailable
        case .failure: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try Self.response(status: status, body: body)
    }

    /// The JSON error response for `status` and `body` (also for Hummingbird's own errors,
    /// whose statuses are not all kinds of ReviewError).
    static func response(status: HTTPResponse.Status, body: Body) throws -> Response {
        let data = try encoded(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": body}` as the API sends it.
    static func encoded(_ body: Body) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(["error": body])
    }

    /// Any error as the status and body the API answers with; nil status for errors the
    /// boundary does not know (they become a logged 500).
    static func answer(for error: any Error) -> (HTTPResponse.Status, Body)? {
        switch error {
        case let error as ReviewError:
            return (error.status, error.body)
        case is HTTPParserError:
            // A body shorter than its Content-Length, or bytes that are no HTTP: the client's fault.
            return (.badRequest, ReviewError(.malformed, code: "malformed-request", message: "请求不完整或格式错误").body)
        case let error as IOError where [ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT].contains(error.errnoCode):
            // The client reset or closed the connection mid-request (or a watchdog closed it): its fault, and
            // nobody reads the answer; not an error of this node's.
            return (.badRequest, connectionLost)
        case let error as ChannelError where [.ioOnClosedChannel, .eof, .alreadyClosed, .inputClosed, .outputClosed].contains(error):
            return (.badRequest, connectionLost)
        case is NIOTooManyBytesError:
            return (.contentTooLarge, ReviewError(.tooLarge, code: "body-too-large", message: "请求内容超过大小上限").body)
        case let error as HTTPError:
            let code = error.status == .notFound ? "not-found" : "http-\(error.status.code)"
            let message = error.status == .notFound ? "请求的地址不存在" : "请求无法处理"
            return (error.status, Body(code: code, message: message, field: nil, detail: error.body, state: nil, items: nil, permanent: nil))
        default:
            return ReviewError.storage(error).map { ($0.status, $0.body) }
        }
    }

    static let internalBody = ReviewError(.failure, code: "internal", message: "服务器内部错误,请联系运维人员").body
    /// The answer to a request whose connection the client (or a watchdog) cut.
    static let connectionLost = ReviewError(.malformed, code: "connection-lost", message: "连接已中断,请重新提交").body
}
