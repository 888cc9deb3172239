import Foundation
import HTTPTypes
import Hummingbird
import ReviewStore

/// `/api/v1/materials` (raw bytes in, before a case refers to them) and a case's material as a
/// download (`/api/v1/cases/{id}/materials/{sha256}`).
struct MaterialRoutes: RouteTable {
    let services: NodeServices
    static let mount = ""

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.post, "materials", { $0.upload }),
        (.get, "cases/:id/materials/:sha256", { $0.download }),
    ]

    /// Raw bytes in; kept byte-exact under their SHA-256. `X-Content-SHA256`, when sent, must match.
    func upload(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let uploads = try MaterialUploads(services: services, uploader: try context.requireUser())
        let data = try await HTTPBody.bytes(of: request, limit: services.configuration.maxMaterialBytes)
        return try HTTPBody.json(try await uploads.upload(data, declared: request.headers[.contentSHA256]), status: .created)
    }

    func download(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let digest = try context.parameters.require("sha256").lowercased()
        let (material, content) = try await reads.material(digest, of: try context.parameters.require("id"), for: try context.requireUser())
        return HTTPBody.download(content, sha256: digest, fileName: material.fileName)
    }
}
