import Foundation
import GRDB

/// The one domain error of the node: what went wrong, for whom, and about which input.
///
/// Thrown by the store's intent methods (inside their transactions), by the workflow and by
/// the federation's message handling; it knows nothing of HTTP. The node maps ``kind`` to an
/// HTTP status in one place at its boundary (`ReviewError+HTTP.swift` in ReviewNode), as
/// Hummingbird's `HTTPError` does for a handler's errors. The body's shape is the API's error
/// body `{"error": {"code", "message", "field", "detail", …}}`.
public struct ReviewError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure: the boundary maps each to one HTTP status.
    public enum Kind: Sendable, Hashable {
        /// No or an invalid credential (401).
        case unauthenticated
        /// Signed in, but not allowed (403).
        case forbidden
        /// The thing does not exist, or the user may not know that it does (404).
        case notFound
        /// The request conflicts with the current state, e.g. an illegal transition (409).
        case conflict
        /// Well-formed input whose values are wrong (422).
        case invalid
        /// Input that cannot be read at all (400).
        case malformed
        /// Input over a size limit (413).
        case tooLarge
        /// A media type the operation does not take (415).
        case unsupportedMedia
        /// A peer's message addressed to another node (421).
        case wrongReceiver
        /// The node cannot serve it now: storage, load (503).
        case unavailable
        /// A fault of the node itself (500).
        case failure

        // The HTTP names the code was written with before the domain error existed: they keep
        // `APIError(.conflict, …)` and `reject(.unprocessableContent, …)` compiling.
        public static let unauthorized = Kind.unauthenticated
        public static let unprocessableContent = Kind.invalid
        public static let badRequest = Kind.malformed
        public static let contentTooLarge = Kind.tooLarge
        public static let unsupportedMediaType = Kind.unsupportedMedia
        public static let misdirectedRequest = Kind.wrongReceiver
        public static let serviceUnavailable = Kind.unavailable
        public static let internalServerError = Kind.failure
    }

    /// The error body as clients see it.
    public struct Body: Codable, Sendable, Equatable {
        /// Stable, machine-readable (`case-not-found`, `illegal-transition`, …).
        public var code: String
        /// Chinese, for the people using the node.
        public var message: String
        /// The offending input's path (`items.0.redemptionDays`, `id`, a header name).
        public var field: String?
        /// English, for operators.
        public var detail: String?
        /// For illegal transitions: the case's current state.
        public var state: String?
        /// Extra items, e.g. every missing material or every element needing a reason.
        public var items: [String]?
        /// Node-to-node refusals only: true when the content can never be applied, so that the
        /// sender stops retrying after a few attempts (a dead letter) instead of blocking.
        public var permanent: Bool?

        public init(code: String, message: String, field: String? = nil, detail: String? = nil, state: String? = nil, items: [String]? = nil,
                    permanent: Bool? = nil) {
            self.code = code
            self.message = message
            self.field = field
            self.detail = detail
            self.state = state
            self.items = items
            self.permanent = permanent
        }
    }

    public let kind: Kind
    public let body: Body

    public init(_ kind: Kind, code: String, message: String, field: String? = nil, detail: String? = nil, state: String? = nil,
                items: [String]? = nil, permanent: Bool? = nil) {
        self.kind = kind
        self.body = Body(code: code, message: message, field: field, detail: detail, state: state, items: items, permanent: permanent)
    }

    /// The stable code.
    public var code: String { body.code }
    /// The Chinese message.
    public var message: String { body.message }
    /// The offending input's path.
    public var field: String? { body.field }

    public var description: String { "\(body.code): \(body.detail ?? body.message)" + (body.field.map { " (\($0))" } ?? "") }

    public static let unauthenticated = ReviewError(.unauthenticated, code: "unauthenticated", message: "未登录或令牌无效", detail: "send Authorization: Bearer <token>")

    public static func forbidden(_ detail: String) -> ReviewError {
        ReviewError(.forbidden, code: "forbidden", message: "无权执行此操作", detail: detail)
    }

    /// Also used for cases the user may not see, so that their existence does not leak.
    public static let caseNotFound = ReviewError(.notFound, code: "case-not-found", message: "案件不存在", field: "id")

    /// Wrong input at `field`, with a Chinese `message`.
    public static func invalid(_ field: String?, _ message: String, detail: String? = nil) -> ReviewError {
        ReviewError(.invalid, code: "invalid-input", message: message, field: field, detail: detail)
    }

    /// A storage fault with a stable code: the disk is full, or the database cannot be written.
    /// Reads go on being served. Nil for other errors.
    public static func storage(_ error: any Error) -> ReviewError? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL:
            return ReviewError(.unavailable, code: "storage-full", message: "服务器存储空间已满,本次操作未保存,请联系运维人员",
                               detail: "SQLite: database or disk is full")
        case .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN:
            return ReviewError(.unavailable, code: "storage-unavailable", message: "服务器存储暂时不可写,本次操作未保存,请联系运维人员",
                               detail: "SQLite: \(error.resultCode)")
        default:
            return nil
        }
    }
}
