import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The web console under /console: server-rendered Chinese pages over the same users, roles,
/// access rules and workflow as the API. Forms post back here; every post carries the
/// session's CSRF token (``ConsoleForm/read(_:_:limit:checkCSRF:)``).
struct ConsoleRoutes: Sendable {
    let services: NodeServices
    var workflow: CaseWorkflow { services.workflow }
    var reads: CaseReads { CaseReads(services: services) }
    var renderer: ConsoleRenderer { services.renderer }
    var cookie: SessionCookie { SessionCookie(secure: services.configuration.publicURL?.hasPrefix("https://") == true) }
    /// Rows per page of the inbox.
    static let inboxPageSize = 100
    /// Sessions end after this long (a working day and then some).
    static let sessionLifetime: TimeInterval = 12 * 3600

    typealias Handler = @Sendable (ConsoleRoutes) -> @Sendable (Request, NodeRequestContext) async throws -> Response

    /// Every console route: method, path under /console, handler.
    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "login", { $0.loginPage }),
        (.post, "login", { $0.login }),
        (.post, "logout", { $0.logout }),
        (.get, "", { $0.inbox }),
        (.get, "submit", { $0.submitPage }),
        (.get, "submit/form", { $0.fillPage }),
        (.post, "submit", { $0.submit }),
        (.get, "cases/:id", { $0.casePage }),
        (.get, "cases/:id/materials/:sha256", { $0.downloadMaterial }),
        (.get, "cases/:id/opinion", { $0.opinionPage }),
        (.get, "cases/:id/archive.zip", { $0.caseArchive }),
        (.post, "cases/:id/actions/:action", { $0.perform }),
        (.get, "ledger", { $0.ledger }),
        (.get, "ledger.csv", { $0.ledgerCSV }),
        (.get, "ledger/archive.zip", { $0.yearArchive }),
        (.get, "operator", { $0.operatorPage }),
        (.post, "operator/users", { $0.createUser }),
        (.post, "operator/links/:nodeId/check", { $0.checkLink }),
        (.post, "operator/calendar", { $0.importCalendar }),
        (.post, "operator/users/:userId/disable", { $0.disableUser }),
        (.post, "operator/users/:userId/enable", { $0.enableUser }),
        (.post, "operator/outbox/:messageId/retry", { $0.retryDeadLetter }),
        (.post, "operator/outbox/:messageId/discard", { $0.discardDeadLetter }),
        (.post, "operator/outbox/:messageId/set-aside", { $0.setAsideWaitingMessage }),
        (.post, "operator/consumers/:consumerId/retry", { $0.retryConsumerDeadLetters }),
        (.get, "consultations", { $0.consultationsPage }),
        (.post, "consultations", { $0.openConsultation }),
        (.get, "consultations/:consultationId", { $0.consultationPage }),
        (.post, "consultations/:consultationId/actions/:action", { $0.consultationAction }),
        (.get, "consultations/:consultationId/files/:sha256", { $0.consultationFile }),
        (.get, "supervision", { $0.supervision }),
        (.get, "supervision.csv", { $0.supervisionCSV }),
        // Last: any other console address is a Chinese 404 page, not the API's JSON.
        (.get, "**", { $0.notFound }),
    ]

    /// The console's pages as one route collection under /console, behind its error pages and
    /// its session middleware; `/` redirects there.
    static func add(to router: Router<NodeRequestContext>, services: NodeServices) {
        let console = ConsoleRoutes(services: services)
        router.get("/") { _, _ in ConsoleRenderer.redirect("/console") }
        let pages = RouteCollection(context: NodeRequestContext.self)
            .add(middleware: ConsoleErrorMiddleware(renderer: console.renderer, nodeName: services.configuration.name, isCity: services.configuration.isCity))
            .add(middleware: ConsoleSessionMiddleware(store: services.store, cookie: console.cookie))
        for (method, path, handler) in table {
            pages.on(RouterPath(path), method: method, use: handler(console))
        }
        router.addRoutes(pages, atPath: "console")
    }

    /// The Chinese 404/405 pages for console addresses no route matches; call after every
    /// route is added (it then wraps only the router's not-found responder).
    static func addFallback(to router: Router<NodeRequestContext>, services: NodeServices) {
        router.add(middleware: ConsoleFallbackMiddleware(pages: ConsoleErrorMiddleware(
            renderer: services.renderer, nodeName: services.configuration.name, isCity: services.configuration.isCity)))
    }

    /// The methods the console answers at `path` (relative to /console, e.g. `/ledger`), with
    /// HEAD wherever GET is; empty when no console route (other than the catch-all 404) has
    /// that path.
    static func methods(at path: String) -> [HTTPRequest.Method] {
        let components = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for (method, pattern, _) in table where pattern != "**" && !methods.contains(method) {
            let parts = pattern.split(separator: "/")
            guard parts.count == components.count,
                  zip(parts, components).allSatisfy({ part, component in part.hasPrefix(":") || part == component }) else { continue }
            methods.append(method)
        }
        return methods.flatMap { $0 == .get ? [.get, .head] : [$0] }
    }

    func notFound(_ request: Request, context: NodeRequestContext) async throws -> Response {
        throw HTTPError(.notFound)
    }

    /// The keys every page's layout reads.
    func base(_ context: NodeRequestContext, title: String) -> [String: Any] {
        ConsoleView.base(context, nodeName: services.configuration.name, isCity: services.configuration.isCity, title: title)
    }

    /// The console's words for this node and the nodes linked to it.
    func vocabulary() async throws -> ConsoleVocabulary {
        let links = try await services.store.links()
        return ConsoleVocabulary(ownId: services.configuration.nodeId, ownName: services.configuration.name, links: links)
    }

    // MARK: Sign-in

    func loginPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        loginPage(context, next: request.query("next"))
    }

    /// The sign-in page, with the reason the last attempt failed.
    func loginPage(_ context: NodeRequestContext, next: String?, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var view = base(context, title: "登录")
        view["next"] = next ?? "/console"
        view["sessionHours"] = Int(Self.sessionLifetime / 3600)
        view["error"] = error
        return renderer.page("login", view, status: status)
    }

    func login(_ request: Request, context: NodeRequestContext) async throws -> Response {
        // No session yet, so no CSRF token: a sign-in post from another site is refused by its
        // Origin (or, from a client that sends no Origin, by its Referer).
        let ownHosts = [request.head.authority.flatMap { URL(string: "http://" + $0)?.host }, URL(string: services.configuration.publicURL ?? "")?.host]
        func fromOwnPage(_ url: String) -> Bool {
            // "null" comes from sandboxed frames and other opaque origins: never our own page.
            guard url != "null", let host = URL(string: url)?.host else { return false }
            return ownHosts.contains(host)
        }
        // The page names no field: a header is nothing the user typed.
        let foreign = APIError(.forbidden, code: "csrf", message: "登录请求来源不明", detail: "the sign-in was posted from another site (Origin or Referer)")
        if let origin = request.headers[HTTPField.Name("Origin")!] {
            guard fromOwnPage(origin) else { throw foreign }
        } else if let referer = request.headers[.referer], !fromOwnPage(referer) {
            throw foreign
        }
        let form = try await ConsoleForm.read(request, context, limit: 16 * 1024, checkCSRF: false)
        // Failures count per name, and per token prefix for tokens (a token has no name), and
        // per client address (more of them: colleagues may share an address).
        let key = form.value("name").map { "name:" + $0 } ?? "token:" + String((form.value("token") ?? "").prefix(8))
        let address = "address:" + context.clientAddress(request, trustForwardedFor: services.configuration.trustForwardedFor)
        guard services.signInThrottle.allows(key), services.signInThrottle.allows(address, limit: SignInThrottle.addressLimit) else {
            return loginPage(context, next: form.value("next"), error: "登录失败次数过多,请\(Int(services.signInThrottle.window / 60))分钟后再试",
                             status: .tooManyRequests)
        }
        let user: UserRecord?
        if let token = form.value("token") {
            user = try await services.store.read { db in try NodeStore.user(db, token: token) }
        } else if let name = form.value("name"), let password = form.fields["password"]?.first, !password.isEmpty {
            let candidates = try await services.store.passwordUsers(named: name)
            user = candidates.first { candidate in candidate.passwordHash.map { ConsolePassword.verify(password, $0) } ?? false }
        } else {
            user = nil
        }
        // A consuming platform (Art 14) reads the published feed only: no console.
        guard let user, let userId = user.id, user.role != .platform else {
            services.signInThrottle.failed(key)
            services.signInThrottle.failed(address)
            services.metrics.signInFailed(via: "console")
            return loginPage(context, next: form.value("next"), error: "用户名、密码或令牌不正确", status: .unauthorized)
        }
        services.signInThrottle.succeeded(key)
        let lifetime = Self.sessionLifetime
        let (_, value) = try await services.store.write { db in
            let session = try NodeStore.createSession(db, userId: userId, lifetime: lifetime)
            try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(user), action: "consoleSignIn",
                                      payload: ["method": form.value("token") == nil ? "password" : "token"])
            return session
        }
        // Only local paths, so that the sign-in page cannot be used to send people elsewhere.
        // Only local paths without control characters, so that the sign-in page cannot send people elsewhere.
        let next = form.value("next").flatMap { $0.hasPrefix("/console") && !$0.hasPrefix("//") && !$0.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) ? $0 : nil } ?? "/console"
        return ConsoleRenderer.redirect(user.role == .operator && next == "/console" ? "/console/operator" : next,
                                        cookies: [cookie.header(value, maxAge: Int(lifetime))])
    }

    func logout(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        if let session = context.consoleSession {
            try await services.store.endSession(session)
        }
        return ConsoleRenderer.redirect("/console/login", cookies: [cookie.clear])
    }

    // MARK: Inbox

    func inbox(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        if user.role == .operator { return ConsoleRenderer.redirect("/console/operator") }
        if user.role == .consultee { return ConsoleRenderer.redirect("/console/consultations") }
        var filter = try CaseFilter(request, console: true)
        if user.role == .drafter { filter.unit = nil }
        // `mine` (the default) or `all`, once.
        let scope = try ConsoleView.paging(ConsoleView.badFilter) { try request.strictQuery("scope") }
        guard [nil, "mine", "all"].contains(scope) else { throw ConsoleView.badFilter }
        let mine = scope != "all"
        let waiting = mine ? CaseState.allCases.filter { ConsoleView.waitsOn(user.role, $0) } : nil
        // Keyset pages (`after`, the cursor the previous page's 下一页 carries): no offset, no count.
        let after = try ConsoleView.paging(ConsoleView.badPageCursor) { try request.strictQuery("after") }.map { text -> CaseReads.InboxCursor in
            guard let cursor = CaseReads.InboxCursor(text) else { throw ConsoleView.badPageCursor }
            return cursor
        }
        // Only for the heading: which page this is (the cursor alone decides what it shows);
        // read as exactly as the cursor.
        let numbered = try ConsoleView.pageNumber(request, afterCursor: after != nil)
        let page = after == nil ? 1 : numbered
        let (cases, next) = try await reads.inbox(for: user, filter, states: waiting, after: after, limit: Self.inboxPageSize)
        var view = base(context, title: mine ? "等待我处理的案件" : "全部案件")
        view["heading"] = mine ? "等待我处理的案件" : "全部案件"
        view["mine"] = mine
        view["scope"] = mine ? "mine" : "all"
        view["unitFilter"] = filter.unit ?? ""
        view["states"] = ConsoleView.options(CaseState.allCases, selected: filter.state, value: \.rawValue, name: \.chineseName)
        view["kinds"] = ConsoleView.options(CaseKind.allCases, selected: filter.kind, value: \.rawValue, name: \.chineseName)
        let vocabulary = try await vocabulary()
        view["cases"] = cases.map { ConsoleView.row($0, vocabulary: vocabulary) }
        // The city sees cases from every county: which one each came from.
        view["showOrigin"] = services.configuration.isCity
        if user.role == .drafter {
            // Reminders: the unit's consultations with a department past its deadline.
            let today = services.today.date
            let overdue = try await consultations.list(by: user).filter { $0.caseId == nil && !$0.overdueDepartments.isEmpty }
            view["consultationReminders"] = overdue.map { Self.consultationRow($0, for: user, today: today) }
            view["hasConsultationReminders"] = !overdue.isEmpty
        }
        view["page"] = page
        let query = ["scope=" + (mine ? "mine" : "all"), filter.queryString].filter { !$0.isEmpty }.joined(separator: "&")
        if page > 1 { view["first"] = "/console?\(query)" }
        if let next {
            let cursor = next.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next.text
            view["next"] = "/console?\(query)&after=\(cursor)&page=\(page + 1)"
        }
        return renderer.page("inbox", view)
    }

    // MARK: Drafter: submit

    func submitPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .drafter)
        var view = submitView(context)
        view["consultationId"] = request.query("consultation")
        return renderer.page("submit", view)
    }

    func submitView(_ context: NodeRequestContext) -> [String: Any] {
        var view = base(context, title: "提交标准化审查申请")
        view["materialKinds"] = MaterialKind.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] }
        return view
    }

    /// The element form as fields to fill in, for one service item to begin with.
    func fillPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let values = ["policy.draftingUnit": user.unit ?? "", "policy.divisionCode": services.configuration.nodeId,
                      "policy.level": services.configuration.isCity ? "city" : "county", "policy.kind": "launch"]
        return renderer.page("submit-form", fillView(context, values: values, itemCount: 1, materials: []))
    }

    func fillView(_ context: NodeRequestContext, values: [String: String], itemCount: Int, materials: [MaterialRef], error: String? = nil) -> [String: Any] {
        var view = submitView(context).merging(ElementFields.view(values, itemCount: itemCount, vocabularies: services.linter.configuration.vocabularies)) { _, new in new }
        view["title"] = "填写要素表"
        view["materialsJSON"] = String(decoding: (try? JSONEncoder().encode(materials)) ?? Data("[]".utf8), as: UTF8.self)
        view["hasMaterials"] = !materials.isEmpty
        view["error"] = error
        return view
    }

    /// `step=check` (multipart): the form (a JSON file, pasted JSON, or the fill-in fields) and the
    /// material files in; findings shown, nothing submitted yet. `step=submit`: the checked form
    /// (with its materials) becomes a case. `step=edit`: the checked form back in the fill-in
    /// fields; `step=addItem`: the fill-in form with one more service item.
    func submit(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let form = try await ConsoleForm.read(request, context, limit: services.configuration.maxMaterialBytes * 8)
        let fromFields = form.value("source") == "fields"
        let kept = try form.value("materialsJSON").map { try HTTPBody.decode([MaterialRef].self, data: Data($0.utf8)) } ?? []
        switch form.value("step") {
        case "addItem":
            let values = ElementFields.posted(form)
            let count = min(try ElementFields.itemCount(form) + 1, 50)
            return renderer.page("submit-form", fillView(context, values: values, itemCount: count, materials: try await storeMaterials(form, into: kept, by: user)))
        case "edit":
            let caseForm = try decodeUploadedForm(form)
            return renderer.page("submit-form", fillView(context, values: ElementFields.values(caseForm), itemCount: caseForm.serviceItems.count,
                                                         materials: caseForm.materials))
        case "submit":
            guard let json = form.value("formJSON") else { throw APIError.invalid("formJSON", "缺少要素表内容,请重新检查后提交") }
            let record = try await workflow.submit(try HTTPBody.decode(CaseForm.self, data: Data(json.utf8)), by: user)
            return ConsoleRenderer.redirect("/console/cases/\(record.id)?flash=submitted")
        default:
            return try await check(form, context, user: user, fromFields: fromFields, kept: kept)
        }
    }

    /// The linter's findings for the posted form with its materials (stored now, so that the
    /// confirmation only carries their digests); nothing is submitted.
    func check(_ form: ConsoleForm, _ context: NodeRequestContext, user: UserRecord, fromFields: Bool, kept: [MaterialRef]) async throws -> Response {
        var view = submitView(context)
        do {
            var caseForm = fromFields ? try ElementFields.caseForm(form) : try decodeUploadedForm(form)
            caseForm.materials = try await storeMaterials(form, into: fromFields ? kept : caseForm.materials, by: user)
            // Issue 18: a finished consultation supplies materials (4) and (5) at submission.
            if let consultation = form.value("consultationId") { caseForm.consultationId = consultation }
            let findings = services.linter.check(caseForm)
            view["checked"] = true
            let itemNames = caseForm.serviceItems.map(\.itemName)
            view["findings"] = findings.map { ConsoleView.finding($0, itemNames: itemNames) }
            view["findingCount"] = findings.count
            view["clean"] = findings.isEmpty
            view["materials"] = caseForm.materials.map(ConsoleView.material)
            view["formJSON"] = String(decoding: try CaseWorkflow.canonicalJSON(caseForm), as: UTF8.self)
            view["policyTitle"] = caseForm.policy.title ?? ""
            return renderer.page("submit", view)
        } catch let error as APIError where fromFields {
            // Back to the fields with what was typed, and the problem named.
            let message = error.body.message + (error.body.field.map { "(\(ConsoleVocabulary.field($0)))" } ?? "")
            return renderer.page("submit-form", fillView(context, values: ElementFields.posted(form),
                                                         itemCount: (try? ElementFields.itemCount(form)) ?? 1, materials: kept, error: message),
                                 status: error.status)
        } catch let error as APIError {
            // The Chinese message and where in the form; the decoder's English detail stays in the log.
            context.logger.info("console form refused", metadata: ["detail": "\(error.body.detail ?? "")"])
            view["error"] = error.body.message + (error.body.field.map { "(位置:\(ConsoleVocabulary.fieldPlace($0)))" } ?? "")
            return renderer.page("submit", view, status: error.status)
        }
    }

    /// The element form from an uploaded `.json` file or the text area, decoded strictly.
    func decodeUploadedForm(_ form: ConsoleForm) throws -> CaseForm {
        let data: Data
        if let file = form.uploads("formFile").first {
            data = file.data
        } else if let text = form.value("formJSON") {
            data = Data(text.utf8)
        } else {
            throw APIError.invalid("formFile", "请上传要素表JSON文件或在文本框中填写")
        }
        return try HTTPBody.decode(CaseForm.self, data: data)
    }

    /// Keeps each uploaded material (one file input per kind, named by the kind) and returns the
    /// form's material list with those files in place of the same kinds' entries.
    func storeMaterials(_ form: ConsoleForm, into existing: [MaterialRef], by user: UserRecord) async throws -> [MaterialRef] {
        var materials = existing
        var blobs: [MaterialBlobRecord] = []
        for kind in MaterialKind.allCases {
            let files = form.uploads("material-" + kind.rawValue)
            guard !files.isEmpty else { continue }
            materials.removeAll { $0.kind == kind }
            for file in files {
                guard file.data.count <= services.configuration.maxMaterialBytes else {
                    throw APIError(.contentTooLarge, code: "material-too-large", message: "材料“\(file.fileName)”超过大小上限", field: "material-" + kind.rawValue)
                }
                let digest = SHA256.hash(data: file.data).hexString
                blobs.append(MaterialBlobRecord(sha256: digest, bytes: file.data.count, content: file.data, uploadedBy: user.id, createdAt: Date()))
                materials.append(MaterialRef(kind: kind, title: kind.chineseName, fileName: file.fileName, sha256: digest, bytes: file.data.count))
            }
        }
        let toInsert = blobs
        if !toInsert.isEmpty, let unit = user.unit {
            try await services.store.write { db in for blob in toInsert { try NodeStore.storeUpload(db, blob, unit: unit) } }
        }
        return materials
    }
}
