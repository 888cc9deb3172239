import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReviewProtocol
import ReviewStore

/// JSON in and out, strictly.
enum HTTPBody {
    /// Decodes a JSON body strictly (unknown fields, wrong types and invalid UTF-8 refused)
    /// into `type`; errors name the field, or the line and column.
    static func decode<T: Codable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let data = try await bytes(of: request, limit: limit)
        guard !data.isEmpty else { throw APIError(.badRequest, code: "empty-body", message: "请求内容为空", detail: "expected a JSON body") }
        return try decode(type, data: data)
    }

    /// Decodes JSON bytes strictly, as ``decode(_:from:limit:)`` does.
    static func decode<T: Codable>(_ type: T.Type, data: Data) throws -> T {
        do {
            return try StrictJSONDecoder.decode(type, from: data)
        } catch let error as ProtocolError {
            let kind: APIError.Kind = error.code == .invalidJSON || error.code == .invalidUTF8 || error.code == .duplicateKey ? .badRequest : .unprocessableContent
            throw APIError(kind, code: "invalid-\(error.code.rawValue)", message: message(for: error), field: error.field,
                           detail: error.description)
        }
    }

    static func bytes(of request: Request, limit: Int) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return Data(buffer.readableBytesView)
    }

    private static func message(for error: ProtocolError) -> String {
        switch error.code {
        case .invalidUTF8: "请求内容不是有效的UTF-8编码"
        case .invalidJSON: "请求内容不是有效的JSON"
        case .wrongType: "字段类型不正确"
        case .missingField: "缺少必填字段"
        case .invalidValue: "字段取值无效"
        case .inexactNumber: "数值无法按原样保存:请不超过15位有效数字,也不要填写过于接近零的数"
        case .unknownField: "存在无法识别的字段"
        case .duplicateKey: "同一字段出现了两次"
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func raw(_ data: Data, contentType: String, status: HTTPResponse.Status = .ok, extraHeaders: [(HTTPField.Name, String)] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        for (name, value) in extraHeaders { headers[name] = value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// A query parameter, nil when absent or empty.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A paging or filtering query parameter, read exactly: nil when absent; `?name` or
    /// `name=` (empty) and a name given twice (`limit=1&limit=2`) are refused rather than read
    /// as a default or as whichever came first.
    /// - Throws: 422 naming `name` for an empty or repeated parameter.
    func strictQuery(_ name: String) throws -> String? {
        let values = uri.queryParameters.getAll(name)
        guard values.count <= 1 else {
            throw APIError.invalid(name, "查询参数重复出现", detail: "\(name) is given \(values.count) times; give it once")
        }
        guard let value = values.first else { return nil }
        guard !value.isEmpty else {
            throw APIError.invalid(name, "查询参数不能为空", detail: "\(name) is empty; leave it out for the default")
        }
        return value
    }
}

extension HTTPField.Name {
    static let contentSHA256 = HTTPField.Name("X-Content-SHA256")!
}


extension HTTPBody {
    /// A material as a download, byte-exact, with its SHA-256 in `X-Content-SHA256` and its
    /// file name (`<sha256>.bin` without one) in `Content-Disposition`.
    static func download(_ content: Data, sha256 digest: String, fileName: String?) -> Response {
        let name = (fileName ?? "\(digest).bin").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? digest
        return raw(content, contentType: "application/octet-stream", extraHeaders: [
            (.contentDisposition, "attachment; filename*=UTF-8''\(name)"),
            (.contentSHA256, digest),
        ])
    }

    /// A streamed download: `produce` hands the body to its `write` in chunks (constant memory).
    static func streamed(contentType: String, fileName: String,
                         _ produce: @escaping @Sendable (_ write: (Data) async throws -> Void) async throws -> Void) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await produce { data in try await writer.write(ByteBuffer(bytes: data)) }
            try await writer.finish(nil)
        })
    }
}

extension HTTPBody {
    /// A consultation's file: the compiled summary page (HTML) or an uploaded attachment.
    static func consultationFile(_ data: Data) -> Response {
        let isPage = data.starts(with: Data("<!DOCTYPE html>".utf8))
        return raw(data, contentType: isPage ? "text/html; charset=utf-8" : "application/octet-stream")
    }
}
