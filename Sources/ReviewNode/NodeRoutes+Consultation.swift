import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewStore

// 上线意见征询 (issue 18) and Art 6 expert sessions: the API handlers (deploy/openapi.yaml).
extension NodeRoutes {
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

    func listConsultations(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(["consultations": try await consultations.list(by: try context.requireUser())])
    }

    func openConsultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let body = try await HTTPBody.decode(OpenConsultation.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.open(form: body.form, draftSha256: body.draftSha256, requests: body.departments, by: user),
                                 status: .created)
    }

    func consultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await consultations.get(try context.parameters.require("consultationId"), by: try context.requireUser()))
    }

    func answerConsultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .consultee)
        let body = try await HTTPBody.decode(ConsultationWorkflow.Answer.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.answer(try context.parameters.require("consultationId"), body, by: user))
    }

    func respondConsultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let body = try await HTTPBody.decode(ConsultationResponse.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.respond(try context.parameters.require("consultationId"), department: body.department,
                                                                 response: body.response, by: user))
    }

    func overrideConsultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let body = try await HTTPBody.decode(ConsultationOverride.self, from: request, limit: jsonLimit)
        return try HTTPBody.json(try await consultations.override(try context.parameters.require("consultationId"), reason: body.reason, by: user))
    }

    func consultationFile(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let data = try await consultations.file(try context.parameters.require("consultationId"), sha256: try context.parameters.require("sha256"),
                                                by: try context.requireUser())
        let isPage = data.starts(with: Data("<!DOCTYPE html>".utf8))
        return HTTPBody.raw(data, contentType: isPage ? "text/html; charset=utf-8" : "application/octet-stream")
    }

    func recordExpertSession(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireReviewer(user)
        let body = try await HTTPBody.decode(ExpertSessionWorkflow.Input.self, from: request, limit: jsonLimit)
        let session = try await ExpertSessionWorkflow(services: services).record(try context.parameters.require("id"), body, by: user)
        return try HTTPBody.json(session, status: .created)
    }

    func expertSessions(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let detail = try await loadDetail(try context.parameters.require("id"), for: try context.requireUser())
        return try HTTPBody.json(["expertSessions": detail.expertSessions])
    }
}
