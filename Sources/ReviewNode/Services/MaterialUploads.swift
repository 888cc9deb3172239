import Crypto
import Foundation
import ReviewProtocol
import ReviewStore

/// Raw material bytes kept byte-exact under their SHA-256, before a case refers to them.
/// Making one checks the uploader's role, once, before any byte is read.
struct MaterialUploads: Sendable {
    let services: NodeServices
    let user: UserRecord

    /// - Throws: 403 unless `user` is a drafter, consultee or reviewer.
    init(services: NodeServices, uploader user: UserRecord) throws {
        // Drafters upload materials; consultees their answers' attachments; reviewers Art 6 session files.
        try Access.requireRole(user, .drafter, .consultee, .countyReviewer, .cityReviewer)
        self.services = services
        self.user = user
    }

    struct Uploaded: Codable {
        var sha256: String
        /// The size in bytes.
        var bytes: Int
    }

    /// Stores `data` for `user`'s unit (a reviewer's go apart, for Art 6 expert sessions).
    /// `declared` (the `X-Content-SHA256` header), when given, must match.
    /// - Throws: 422 for empty bytes or a digest mismatch.
    func upload(_ data: Data, declared: String?) async throws -> Uploaded {
        guard !data.isEmpty else { throw APIError.invalid("body", "上传的材料为空") }
        let digest = SHA256.hash(data: data).hexString
        if let declared = declared?.lowercased(), declared != digest {
            throw APIError.invalid("X-Content-SHA256", "材料内容与声明的SHA-256不一致,请重新上传", detail: "declared \(declared), received bytes hash to \(digest)")
        }
        let blob = MaterialBlobRecord(sha256: digest, bytes: data.count, content: data, uploadedBy: user.id, createdAt: Date())
        guard let unit = user.role.isReviewer ? ExpertSessionWorkflow.reviewerUploadUnit : user.unit else {
            throw APIError.forbidden("a drafter without a unit cannot upload")
        }
        try await services.store.write { db in try NodeStore.storeUpload(db, blob, unit: unit) }
        return Uploaded(sha256: digest, bytes: data.count)
    }
}
