import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MultipartKit
import Mustache
import NIOCore
import ReviewStore

/// The console's Mustache templates (Sources/ReviewNode/Console/Templates), parsed once at
/// start-up. Pages extend `layout` through Mustache inheritance (`{{<layout}}`).
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    /// The resource folder SwiftPM builds beside the executables; install it beside the binaries.
    static let bundleName = "policy-review_ReviewNode.resources"

    init() throws {
        let installed = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(Self.bundleName).appendingPathComponent("Templates")
        // Beside the binary (an installed node), else the build folder SwiftPM recorded.
        let directory = FileManager.default.fileExists(atPath: installed.path)
            ? installed : Bundle.module.url(forResource: "Templates", withExtension: nil)
        guard let directory else {
            throw NodeConfigurationError("console templates not found: install \(Self.bundleName) beside the node binary")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        for file in files where file.pathExtension == "mustache" {
            do {
                try library.register(try String(contentsOf: file, encoding: .utf8), named: file.deletingPathExtension().lastPathComponent)
            } catch {
                throw NodeConfigurationError("console template \(file.lastPathComponent): \(error)")
            }
        }
        self.library = library
    }

    /// Renders template `name` with `view` as an HTML response.
    func page(_ name: String, _ view: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(view, withTemplate: name) ?? "<!DOCTYPE html><p>模板 \(name) 不存在</p>"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }
}

/// One uploaded file of a multipart form.
struct UploadedFile: Sendable {
    var fileName: String
    var data: Data
}

/// A submitted console form: `application/x-www-form-urlencoded` or `multipart/form-data`.
/// Reading one checks its CSRF token against the session, so that no handler can forget to.
struct ConsoleForm: Sendable {
    var fields: [String: [String]] = [:]
    var files: [String: [UploadedFile]] = [:]

    func value(_ name: String) -> String? {
        fields[name]?.first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func values(_ name: String) -> [String] { fields[name] ?? [] }

    /// Non-empty uploaded files under `name`.
    func uploads(_ name: String) -> [UploadedFile] { (files[name] ?? []).filter { !$0.data.isEmpty } }

    /// Reads and parses the body; for a signed-in session, the `csrf` field must match.
    static func read(_ request: Request, _ context: NodeRequestContext, limit: Int, checkCSRF: Bool = true) async throws -> ConsoleForm {
        let data = try await HTTPBody.bytes(of: request, limit: limit)
        let contentType = request.headers[.contentType] ?? ""
        var form: ConsoleForm
        if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = contentType.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")),
                  !boundary.isEmpty
            else { throw APIError.invalid("Content-Type", "表单格式无效", detail: "multipart body without a boundary") }
            form = try multipart(data, boundary: boundary)
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            guard String(validating: data, as: UTF8.self) != nil else { throw invalidUTF8 }
            form = urlEncoded(data)
        } else {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type", message: "表单格式无效", detail: "expected a form post, got '\(contentType)'")
        }
        if checkCSRF {
            guard let session = context.consoleSession, let token = form.fields["csrf"]?.first,
                  constantTimeEqual(token, session.csrfToken)
            else { throw APIError(.forbidden, code: "csrf", message: "表单已过期或来源不明,请刷新页面后重试", field: "csrf") }
        }
        return form
    }

    static let invalidUTF8 = APIError(.badRequest, code: "invalid-invalidUTF8", message: "表单内容不是有效的UTF-8编码,请重新提交")

    static func urlEncoded(_ data: Data) -> ConsoleForm {
        var form = ConsoleForm()
        for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            form.fields[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return form
    }

    static func multipart(_ data: Data, boundary: String) throws -> ConsoleForm {
        // MultipartKit 4.7.1 traps (index out of range) on a byte ≥ 0x80 in a part's header
        // name: one such request would end the node. Refuse those bodies before it sees them.
        guard partHeaderNamesAreASCII(data, boundary: boundary) else {
            throw APIError.invalid("body", "表单内容无法解析,请重新提交", detail: "multipart: a part header name is not ASCII")
        }
        var form = ConsoleForm()
        var textIsUTF8 = true
        let parser = MultipartParser(boundary: boundary)
        var headers: [(String, String)] = []
        var body = Data()
        parser.onHeader = { name, value in headers.append((name.lowercased(), value)) }
        parser.onBody = { buffer in body.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0 == "content-disposition" }?.1 ?? ""
            let name = parameter("name", in: disposition) ?? ""
            if let fileName = parameter("filename", in: disposition) {
                form.files[name, default: []].append(UploadedFile(fileName: fileName, data: body))
            } else if let text = String(validating: body, as: UTF8.self) {
                form.fields[name, default: []].append(text)
            } else {
                // A field that is not UTF-8 is refused, never stored with replacement characters.
                textIsUTF8 = false
            }
            headers = []
            body = Data()
        }
        do {
            try parser.execute(ByteBuffer(bytes: data))
        } catch {
            throw APIError.invalid("body", "表单内容无法解析,请重新提交", detail: "multipart: \(error)")
        }
        guard textIsUTF8 else { throw invalidUTF8 }
        return form
    }

    /// Whether every header name of every part is ASCII. Checks a superset of what a parser
    /// can take for part headers: from each occurrence of `--boundary` to the next blank line
    /// (CR LF CR LF) or the end, the bytes of each CR-delimited line before its first colon.
    static func partHeaderNamesAreASCII(_ data: Data, boundary: String) -> Bool {
        let delimiter = Array("--\(boundary)".utf8)
        return data.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            // Linear: after a header region the scan goes on from its end (a parser looks for
            // boundaries only in bodies, never inside part headers).
            while index + delimiter.count <= bytes.count {
                guard bytes[index] == delimiter[0], UnsafeBufferPointer(rebasing: bytes[index..<(index + delimiter.count)]).elementsEqual(delimiter) else {
                    index += 1
                    continue
                }
                var position = index + delimiter.count
                var inName = true
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == 0x0D {
                        // CR LF CR LF ends the headers.
                        if position + 3 < bytes.count, bytes[position + 1] == 0x0A, bytes[position + 2] == 0x0D, bytes[position + 3] == 0x0A { break }
                        inName = true
                    } else if byte == UInt8(ascii: ":") {
                        inName = false
                    } else if inName, byte >= 0x80 {
                        return false
                    }
                    position += 1
                }
                index = max(position, index + 1)
            }
            return true
        }
    }

    /// `name="value"` from a Content-Disposition header.
    private static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(name + "=") else { continue }
            return String(trimmed.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// The session cookie. `Secure` (and the `__Host-` prefix) whenever the node's public URL is
/// https, which is how it runs behind the TLS proxy; loopback http runs without it.
struct SessionCookie: Sendable {
    let secure: Bool
    var name: String { secure ? "__Host-review_session" : "review_session" }

    func header(_ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    var clear: String { header("", maxAge: 0) }

    func value(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }
}
