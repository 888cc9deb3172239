import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewStore

/// `/api/v1/consultations`: 上线意见征询 (issue 18). The workflow checks the roles.
struct ConsultationRoutes: RouteTable {
    let services: NodeServices
    static let mount = "consultations"

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "", { $0.list }),
        (.post, "", { $0.open }),
        (.get, ":consultationId", { $0.consultation }),
        (.post, ":consultationId/answer", { $0.answer }),
        (.post, ":consultationId/responses", { $0.respond }),
        (.post, ":consultationId/override", { $0.override }),
        (.get, ":consultationId/files/:sha256", { $0.file }),
    ]

    var consultations: ConsultationWorkflow { ConsultationWorkflow(services: services) }

    struct OpenConsultation: Codable {
        var form: CaseForm
        var draftSha256: String?
        var departments: [ConsultationWorkflow.Request]
    }

    struct ConsultationResponse: Codable {
        var department: String
        var response: String
    }

    struct ConsultationOverride: Codable {
        var reason: String
    }

    func list(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(["consultations": try await consultations.list(by: try context.requireUser())])
    }

    func open(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await HTTPBody.decode(OpenConsultation.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.open(form: body.form, draftSha256: body.draftSha256, requests: body.departments, by: user),
                                 status: .created)
    }

    func consultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await consultations.get(try context.parameters.require("consultationId"), by: try context.requireUser()))
    }

    func answer(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await HTTPBody.decode(ConsultationWorkflow.Answer.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.answer(try context.parameters.require("consultationId"), body, by: user))
    }

    func respond(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await HTTPBody.decode(ConsultationResponse.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.respond(try context.parameters.require("consultationId"), department: body.department,
                                                                 response: body.response, by: user))
    }

    func override(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await HTTPBody.decode(ConsultationOverride.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.override(try context.parameters.require("consultationId"), reason: body.reason, by: user))
    }

    func file(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let data = try await consultations.file(try context.parameters.require("consultationId"), sha256: try context.parameters.require("sha256"),
                                                by: try context.requireUser())
        return HTTPBody.consultationFile(data)
    }
}
