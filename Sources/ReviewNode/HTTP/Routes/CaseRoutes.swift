import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// `/api/v1/cases`: submitting a case, the case list, a case's detail, its check and diff, its
/// opinion (JSON and the printable page) and its expert sessions.
struct CaseRoutes: RouteTable {
    let services: NodeServices
    static let mount = "cases"

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "", { $0.list }),
        (.post, "", { $0.submit }),
        (.get, ":id", { $0.detail }),
        (.get, ":id/check", { $0.check }),
        (.get, ":id/diff", { $0.diff }),
        (.get, ":id/opinion", { $0.opinion }),
        (.get, ":id/opinion.html", { $0.opinionPage }),
        (.get, ":id/expert-sessions", { $0.expertSessions }),
    ]

    func submit(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await HTTPBody.decode(CaseForm.self, from: request, limit: jsonLimit)
        let user = try context.requireUser()
        let record = try await workflow.submit(form, by: user)
        return try HTTPBody.json(try await reads.detail(record.id, for: user), status: .created)
    }

    /// `?year&state&kind&unit&overdue&revisionOverdue&limit&after`: a keyset page in id order.
    func list(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let filter = try CaseFilter(request)
        func flag(_ name: String) throws -> Bool? {
            try request.strictQuery(name).map { value -> Bool in
                guard value == "true" || value == "false" else { throw APIError.invalid(name, "\(name) 应为 true 或 false") }
                return value == "true"
            }
        }
        let overdue = try flag("overdue")
        let revisionOverdue = try flag("revisionOverdue")
        let limit = try request.pageLimit(default: 200)
        let after = try request.caseListCursor()
        return try HTTPBody.json(try await reads.list(for: user, filter: filter, overdue: overdue, revisionOverdue: revisionOverdue, after: after, limit: limit))
    }

    func detail(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await reads.detail(try context.parameters.require("id"), for: try context.requireUser()))
    }

    func check(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let findings = try await workflow.check(try context.parameters.require("id"), by: try context.requireUser())
        return try HTTPBody.json(["findings": findings])
    }

    struct DiffView: Codable {
        var from: Int
        var to: Int
        var changes: [ElementDiff.Change]
    }

    func diff(_ request: Request, context: NodeRequestContext) async throws -> Response {
        func revision(_ name: String) throws -> Int? {
            try request.query(name).map { value in
                guard let number = Int(value) else { throw APIError.invalid(name, "修订版本号应为整数") }
                return number
            }
        }
        let (from, to, changes) = try await workflow.diff(try context.parameters.require("id"), from: try revision("from"), to: try revision("to"),
                                                          by: try context.requireUser())
        return try HTTPBody.json(DiffView(from: from, to: to, changes: changes))
    }

    func opinion(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await reads.opinion(try context.parameters.require("id"), for: try context.requireUser()).0)
    }

    func opinionPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let page = try await reads.opinionPage(try context.parameters.require("id"), for: try context.requireUser())
        return services.renderer.page("opinion", page.view)
    }

    func expertSessions(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let detail = try await reads.detail(try context.parameters.require("id"), for: try context.requireUser())
        return try HTTPBody.json(["expertSessions": detail.expertSessions])
    }
}
