import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Ledger and archives (Art 11), the operator's page, and supervision (Art 15).
extension ConsoleRoutes {
    // MARK: Ledger

    func ledger(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let ledger = try LedgerReads(services: services, reader: try context.requireUser())
        let filter = try CaseFilter(request, console: true)
        // The API's paging parameters, refused as the API refuses them (a Chinese page naming
        // no field): `limit` (default 50 here), `offset`, `after`; and the console's `page`.
        let pageSize = try ConsoleView.paging(ConsoleView.badPageSize) { try request.pageLimit(default: 50) }
        let offset = try ConsoleView.paging(ConsoleView.badPageCursor) { try request.pageOffset() }
        // 下一页 carries a keyset cursor (`after`): no offset, no count. `page` alone (an
        // older link) or `offset` still reads at an offset, with the count.
        let after = try ConsoleView.paging(ConsoleView.badPageCursor) { try request.ledgerCursor() }
        if after != nil, offset != 0 { throw ConsoleView.badPageCursor }
        let numbered = try ConsoleView.pageNumber(request, afterCursor: after != nil)
        let byOffset = request.query("offset") != nil
        let start = byOffset ? offset : (numbered - 1) * pageSize
        // The heading's page number: the page the offset falls in.
        let page = byOffset ? min(offset / pageSize + 1, 1_000_000) : numbered
        let read = try await ledger.page(filter, limit: pageSize, offset: after == nil ? start : 0, after: after)
        let entries = read.entries
        let today = services.today.date
        var view = base(context, title: "审查台帐")
        view["year"] = filter.year.map(String.init)
        view["unitFilter"] = filter.unit ?? ""
        view["states"] = ConsoleView.options(CaseState.allCases, selected: filter.state, value: \.rawValue, name: \.chineseName)
        view["kinds"] = ConsoleView.options(CaseKind.allCases, selected: filter.kind, value: \.rawValue, name: \.chineseName)
        view["filterQuery"] = filter.queryString
        view["yearQuery"] = filter.year.map { "year=\($0)" } ?? ""
        view["total"] = read.total
        view["page"] = page
        view["pages"] = read.total.map { max(($0 + pageSize - 1) / pageSize, 1) }
        // A page size other than the default is kept in the links.
        let query = [filter.queryString, request.query("limit") == nil ? "" : "limit=\(pageSize)"].filter { !$0.isEmpty }.joined(separator: "&")
        if page > 1 || start > 0 { view["first"] = "/console/ledger?\(query)" }
        if let next = read.next {
            let cursor = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
            view["next"] = "/console/ledger?\(query)&after=\(cursor)&page=\(page + 1)"
        }
        view["entries"] = entries.map { entry -> [String: Any] in
            ["id": entry.id, "title": entry.title, "documentNumber": entry.documentNumber ?? "", "kind": entry.kind.chineseName,
             "draftingUnit": entry.draftingUnit, "state": entry.stateName, "submittedOn": entry.submittedOn.description,
             "acceptedOn": entry.acceptedOn?.description ?? "—", "materials": entry.materials.count,
             "notices": "\(entry.materialsNotices) / \(entry.supplementNotices)", "opinion": entry.opinionNumber ?? "—",
             "outcome": entry.opinionOutcome?.chineseName ?? "—", "launchDate": entry.launchDate?.description ?? "—",
             "late": entry.lateApplication, "published": Self.publicationText(entry, today: today),
             "consulted": entry.consultation != nil,
             "sessions": entry.expertSessions > 0 ? "\(entry.expertSessions)次" : "—"]
        }
        view["showPublication"] = services.configuration.isCity
        return renderer.page("ledger", view)
    }

    /// Art 14: what the ledger shows of a case's publication, e.g. 已发布:上线(2026-03-10 起)
    /// or 已发布:已下线(2026-05-06 生效,尚未到期).
    static func publicationText(_ entry: LedgerEntry, today: CivilDate) -> String {
        guard let status = entry.publishedStatus, let effectiveOn = entry.publishedEffectiveOn else { return "—" }
        let when = effectiveOn <= today ? "\(effectiveOn) 起" : "\(effectiveOn) 生效,尚未到期"
        return "已发布:\(status.chineseName)(\(when))"
    }

    func ledgerCSV(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try LedgerReads(services: services, reader: try context.requireUser()).csvDownload(try CaseFilter(request, console: true))
    }

    func caseArchive(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireOversight(user)
        let caseId = try context.parameters.require("id")
        let archive = CaseArchive(services: services)
        let entries = try await services.store.read { db in try archive.entries(db, try CaseWorkflow.load(db, caseId)) }
        return HTTPBody.raw(try CaseArchive.zip(entries), contentType: "application/zip", extraHeaders: [
            (.contentDisposition, "attachment; filename=\"\(caseId).zip\""),
        ])
    }

    /// Every case submitted in `year` (required: one archive per year), with the year's ledger
    /// as CSV: written to a file in the node's private `tmp/` folder in memory bounded by one case
    /// (``CaseArchive/writeYear(_:to:)``), then streamed in 64 KiB pieces; the file is removed when
    /// the response ends. One year archive is written at a time: another request meanwhile is
    /// answered 503 `archive-busy` (Chinese page).
    func yearArchive(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireOversight(try context.requireUser())
        guard let year = try CaseFilter(request, console: true).year else { throw APIError.invalid("year", "请选择要归档的年份") }
        guard CaseArchive.beginYear() else {
            throw APIError(.serviceUnavailable, code: "archive-busy", message: "另一份年度归档正在生成,请稍后再试",
                           detail: "one year archive is written at a time")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"archive-\(year).zip\""
        // HEAD: what GET would answer, without writing an archive that no body would send
        // (and so never remove).
        if request.method == .head {
            CaseArchive.endYear()
            return Response(status: .ok, headers: headers)
        }
        let file: URL
        do {
            defer { CaseArchive.endYear() }
            file = try CaseArchive.workFolder(services.configuration).appendingPathComponent("archive-\(year)-\(UUID().uuidString).zip")
            do {
                try await CaseArchive(services: services).writeYear(year, to: file)
            } catch {
                try? FileManager.default.removeItem(at: file)
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { try? FileManager.default.removeItem(at: file) }
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: 64 * 1024), !piece.isEmpty {
                try await writer.write(ByteBuffer(bytes: piece))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Operator

    func operatorPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        return try await renderOperator(context, flash: request.query("flash") == "checked" ? "连接检查已完成。" : nil)
    }

    func renderOperator(_ context: NodeRequestContext, flash: String? = nil, createdToken: String? = nil, error: String? = nil,
                        technical: String? = nil, calendarPreview: (year: Int, summary: String, text: String)? = nil,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let (links, users) = try await services.store.read { db in
            (try Links.status(db), try NodeStore.users(db))
        }
        var view = base(context, title: "运维管理")
        view["flash"] = flash
        view["error"] = error
        view["errorTechnical"] = technical
        if let calendarPreview {
            view["calendarPreview"] = ["year": calendarPreview.year, "lines": calendarPreview.summary.split(separator: "\n").map(String.init),
                                       "text": calendarPreview.text]
        }
        view["nextYear"] = services.today.date.year + 1
        view["createdToken"] = createdToken
        view["fingerprint"] = services.identity.fingerprint
        view["nodeId"] = services.configuration.nodeId
        view["links"] = links.map { link -> [String: Any] in
            var row: [String: Any] = ["nodeId": link.nodeId, "name": link.name, "baseURL": link.baseURL, "enabled": link.enabled, "fingerprint": link.fingerprint,
             "queueDepth": link.queueDepth, "delivered": link.delivered,
             "lastError": link.lastError.map(ConsoleVocabulary.deliveryError) ?? "—",
             "oldest": link.oldestUndelivered.map { ConsoleView.beijingTime($0) } ?? "—",
             "lastCheck": link.lastCheckAt.map { ConsoleView.beijingTime($0) + (link.lastCheckMilliseconds.map { String(format: "(%.0f 毫秒)", $0) } ?? "(失败)") } ?? "从未检查",
             "stuck": link.queueDepth > 0 && link.lastError != nil]
            // Absent, not "": Mustache shows a section for any string.
            row["lastErrorDetail"] = link.lastError
            return row
        }
        view["users"] = users.map { user -> [String: Any] in
            ["id": user.id ?? 0, "name": user.name, "role": user.role.chineseName, "unit": user.unit ?? "—",
             "password": user.passwordHash != nil, "disabled": user.disabled, "self": user.id == context.user?.id,
             "expires": user.tokenExpiresAt.map { ConsoleView.beijingTime($0) } ?? "长期有效"]
        }
        // A peer whose log no longer holds the chain heads it sent: its history was rewritten.
        view["auditWarnings"] = links.filter { $0.lastAuditOK == false }.map { link -> [String: Any] in
            ["peer": link.name, "at": link.lastAuditAt.map { ConsoleView.beijingTime($0) } ?? "—", "problem": link.lastAuditProblem ?? ""]
        }
        view["deadLetters"] = links.flatMap(\.deadLetters).map { letter -> [String: Any] in
            ["id": letter.id, "peer": links.first { $0.nodeId == letter.peer }?.name ?? letter.peer, "caseId": letter.caseId ?? "—",
             "type": letter.type.chineseName, "attempts": letter.attempts,
             "reason": CaseDetail.DeliveryFailure.chineseReason(CaseDetail.DeliveryFailure.code(in: letter.lastError)),
             "since": letter.deadAt.map { ConsoleView.beijingTime($0) } ?? "—"]
        }
        view["waitingMessages"] = links.flatMap(\.waitingMessages).map { message -> [String: Any] in
            ["id": message.id, "peer": links.first { $0.nodeId == message.peer }?.name ?? message.peer, "caseId": message.caseId ?? "—",
             "type": message.type.chineseName, "attempts": message.attempts,
             "since": ConsoleView.beijingTime(message.createdAt)]
        }
        view["hasWaitingMessages"] = links.contains { !$0.waitingMessages.isEmpty }
        let isCity = services.configuration.isCity
        if isCity {
            // Art 14: the consuming platforms the city pushes published items to, with their queues.
            view["publishing"] = true
            view["consumers"] = try await services.store.consumerQueues().map { queue -> [String: Any] in
                var row: [String: Any] = [
                    "id": queue.consumer.id ?? 0, "name": queue.consumer.name, "url": queue.consumer.url, "enabled": queue.consumer.enabled,
                    "divisions": queue.consumer.divisionList.isEmpty ? "全部" : queue.consumer.divisionList.joined(separator: "、"),
                    "waiting": queue.waiting, "delivered": queue.delivered, "dead": queue.dead,
                    "stuck": queue.dead > 0 || (queue.waiting > 0 && queue.lastError != nil),
                ]
                row["lastError"] = queue.lastError
                if !queue.deadSequences.isEmpty { row["deadSequences"] = "发布序号 " + queue.deadSequences.map(String.init).joined(separator: "、") }
                return row
            }
        }
        view["roles"] = Role.allCases.filter { $0.exists(onCityNode: isCity) }.map { ["value": $0.rawValue, "name": $0.chineseName] }
        let today = services.today.date
        let years = services.calendar.years.sorted()
        view["years"] = years.map(String.init).joined(separator: "、")
        if !years.contains(today.year) {
            view["calendarWarning"] = "缺少\(today.year)年的工作日历,无法计算审查期限。请导入该年的节假日安排并重启节点。"
            view["calendarCommand"] = "reviewctl calendar import --year \(today.year) 通知.txt"
        } else if today.month >= 11, !years.contains(today.year + 1) {
            view["calendarWarning"] = "尚未加载\(today.year + 1)年的工作日历。国务院办公厅公布节假日安排后,请导入并重启节点。"
            view["calendarCommand"] = "reviewctl calendar import --year \(today.year + 1) 通知.txt"
        }
        return renderer.page("operator", view, status: status)
    }

    func createUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        let form = try await ConsoleForm.read(request, context, limit: 16 * 1024)
        guard let role = form.value("role").flatMap(Role.init(rawValue:)) else { throw APIError.invalid("role", "请选择角色") }
        let password = form.fields["password"]?.first ?? ""
        if !password.isEmpty, password.count < ConsolePassword.minimumLength {
            return try await renderOperator(context, error: "密码至少\(ConsolePassword.minimumLength)个字符", status: .unprocessableContent)
        }
        do {
            let (_, token) = try await administration.createUser(name: form.value("name") ?? "", role: role, unit: form.value("unit"),
                                                                 passwordHash: password.isEmpty ? nil : ConsolePassword.hash(password))
            return try await renderOperator(context, flash: "用户已创建。令牌只显示这一次,请妥善转交。", createdToken: token)
        } catch let error as ReviewError where error.kind == .invalid {
            return try await renderOperator(context, error: "\(error.message):\(error.body.detail ?? "")", status: .unprocessableContent)
        }
    }

    func checkLink(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        let result = try await administration.checkLink(try context.parameters.require("nodeId"))
        let peer = try await vocabulary().node(result.nodeId)
        return try await renderOperator(context, flash: result.ok
            ? String(format: "与%@的连接正常,往返 %.0f 毫秒。", peer, result.milliseconds)
            : result.error == LinkCheck.disabled ? "与\(peer)的连接已停用,未作检查。"
            : "与\(peer)的连接检查失败:" + ConsoleVocabulary.deliveryError(result.error ?? "HTTP \(result.status ?? 0)"))
    }

    /// Next year's calendar from the State Council's notice (pasted text): `step=preview` shows
    /// the holidays and make-up days read from it; `step=import` writes Config/calendar/YEAR.json
    /// (never over an existing file). The running node loads it at its next start.
    func importCalendar(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        let form = try await ConsoleForm.read(request, context, limit: 256 * 1024)
        guard let year = form.value("year").flatMap(Int.init), (2000...2999).contains(year) else {
            return try await renderOperator(context, error: "请填写年份(如2027)", status: .unprocessableContent)
        }
        guard let text = form.fields["notice"]?.first, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await renderOperator(context, error: "请粘贴国务院办公厅节假日安排通知的全文", status: .unprocessableContent)
        }
        let notice: HolidayNotice
        do {
            notice = try HolidayNoticeParser.parse(text, year: year)
        } catch let error as RulesError {
            return try await renderOperator(context, error: "通知未能完整识别,未写入任何内容。", technical: error.message, status: .unprocessableContent)
        }
        let folder = services.configuration.configDirectory.appendingPathComponent("calendar")
        let destination = folder.appendingPathComponent("\(year).json")
        guard !FileManager.default.fileExists(atPath: destination.path) else {
            return try await renderOperator(context, error: "\(year)年的工作日历已存在,未作更改。", status: .conflict)
        }
        guard form.value("step") == "import" else {
            return try await renderOperator(context, calendarPreview: (year, notice.summary(), text))
        }
        do {
            try Data(notice.calendarYear.fileContents().utf8).write(to: destination, options: .atomic)
            // The folder must still load with the new year in it; else the file goes again.
            _ = try WorkCalendar.load(from: folder)
        } catch {
            try? FileManager.default.removeItem(at: destination)
            return try await renderOperator(context, error: "写入工作日历失败,未作更改。", technical: "\(destination.path): \(error)", status: .internalServerError)
        }
        let user = try context.requireUser()
        _ = try await services.store.write { db in
            try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(user), action: "importCalendar",
                                      payload: ["year": String(year), "holidays": String(notice.calendarYear.holidays.count),
                                                "workdays": String(notice.calendarYear.workdays.count)])
        }
        return try await renderOperator(context, flash: "\(year)年工作日历已写入(放假\(notice.calendarYear.holidays.count)天、调休上班\(notice.calendarYear.workdays.count)天),重启本节点后生效。")
    }

    func disableUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setUserDisabled(true, request, context)
    }

    func enableUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setUserDisabled(false, request, context)
    }

    /// Disabling ends the user's token and console sessions at once.
    private func setUserDisabled(_ disabled: Bool, _ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let operatorUser = try context.requireUser()
        let administration = try Administration(services: services, operator: operatorUser)
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        guard let userId = WholeNumber.parse(try context.parameters.require("userId")) else {
            return try await renderOperator(context, error: Administration.userNotFound.message, status: .notFound)
        }
        guard userId != operatorUser.id || !disabled else {
            return try await renderOperator(context, error: "不能停用自己的账号", status: .unprocessableContent)
        }
        do {
            let user = try await administration.setDisabled(userId: userId, disabled)
            return try await renderOperator(context, flash: disabled ? "已停用用户“\(user.name)”,其令牌和登录会话立即失效。" : "已重新启用用户“\(user.name)”。")
        } catch let error as ReviewError where error.kind == .notFound {
            return try await renderOperator(context, error: "用户不存在", status: .notFound)
        }
    }

    func retryDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await handleDeadLetter(retry: true, request, context)
    }

    func discardDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await handleDeadLetter(retry: false, request, context)
    }

    private func handleDeadLetter(retry: Bool, _ request: Request, _ context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        let letter: Links.DeadLetter
        do {
            letter = try await administration.resolveDeadLetter(try context.parameters.require("messageId"), retry: retry)
        } catch let error as ReviewError where error.kind == .notFound {
            return try await renderOperator(context, error: error.message, status: .notFound)
        }
        let subject = letter.caseId.map { "案件 \($0) 的消息" } ?? "该消息"
        return try await renderOperator(context, flash: retry ? "\(subject)已重新排队发送。" : "\(subject)已放弃发送;该案件此后的消息将继续发送。")
    }

    /// A message the peer keeps answering `out-of-order` set aside as a dead letter (then
    /// 重新发送 / 放弃发送 like any other).
    func setAsideWaitingMessage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let administration = try Administration(services: services, operator: try context.requireUser())
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        let letter: Links.DeadLetter
        do {
            letter = try await administration.setAsideWaitingMessage(try context.parameters.require("messageId"))
        } catch let error as ReviewError where error.kind == .notFound {
            return try await renderOperator(context, error: error.message, status: .notFound)
        }
        let subject = letter.caseId.map { "案件 \($0) 的消息" } ?? "该消息"
        return try await renderOperator(context, flash: "\(subject)已暂停发送,列入被拒收的消息;可重新发送或放弃发送。")
    }

    /// Art 14: a consuming platform's refused items queued again (``PublicationConsumers/retry(consumerId:)``).
    func retryConsumerDeadLetters(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let consumers = try PublicationConsumers(services: services, operator: try context.requireUser())
        _ = try await ConsoleForm.read(request, context, limit: 4096)
        guard let id = context.parameters.get("consumerId").flatMap({ WholeNumber.parse($0) }) else {
            return try await renderOperator(context, error: "未找到该对接平台", status: .notFound)
        }
        do {
            let count = try await consumers.retry(consumerId: id)
            return try await renderOperator(context, flash: count == 0 ? "该平台没有被拒收的事项。" : "该平台被拒收的\(count)条事项已重新排队推送。")
        } catch let error as APIError where error.status == .notFound {
            return try await renderOperator(context, error: error.body.message, status: .notFound)
        }
    }

    // MARK: Supervision (Art 15)

    func supervisionReport(_ request: Request, context: NodeRequestContext) async throws -> Supervision {
        let user = try context.requireUser()
        guard services.configuration.isCity else { throw APIError(.notFound, code: "not-found", message: "监督统计仅在市级节点提供") }
        try Access.requireRole(user, .supervisor, .cityReviewer)
        let today = services.today.date
        func date(_ name: String, _ fallback: CivilDate) throws -> CivilDate {
            guard let value = request.query(name) else { return fallback }
            guard let date = CivilDate(iso: value) else { throw APIError.invalid(name, "日期应为“年-月-日”格式(如2026-03-20)") }
            return date
        }
        let from = try date("from", CivilDate(year: today.year, month: 1, day: 1)!)
        let to = try date("to", today)
        guard from <= to else { throw APIError.invalid("from", "开始日期不能晚于结束日期") }
        let (calendar, configuration) = (services.calendar, services.configuration)
        return try await services.store.read { db in
            try Supervision.load(db, from: from, to: to, calendar: calendar, today: today, ownNode: configuration.nodeId, ownName: configuration.name)
        }
    }

    func supervision(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let report = try await supervisionReport(request, context: context)
        var view = base(context, title: "监督统计")
        view["from"] = report.from.description
        view["to"] = report.to.description
        func row(_ row: Supervision.Row) -> [String: Any] {
            ["name": row.name, "received": row.received, "opinions": row.opinions, "firstPassRate": Supervision.percent(row.firstPassRate),
             "medianDays": Supervision.format(row.medianDays), "p90Days": row.p90Days.map(String.init) ?? "—",
             "countyDays": Supervision.format(row.medianCountyDays), "cityDays": Supervision.format(row.medianCityDays),
             "overdue": row.overdue, "roundsPerCase": Supervision.format(row.roundsPerCase, digits: 2), "late": row.lateApplications,
             "sessions": row.expertSessionCases]
        }
        view["rows"] = report.rows.map(row)
        view["total"] = row(report.total)
        view["elements"] = report.topElements.enumerated().map { ["rank": $0 + 1, "name": $1.element.chineseName, "count": $1.count] }
        view["hasElements"] = !report.topElements.isEmpty
        // Chart labels in the short form officials use: 德惠市政数局.
        let short = { (name: String) in name.replacingOccurrences(of: "政务服务和数字化建设管理局", with: "政数局") }
        view["receivedChart"] = SVGChart.bars(report.rows.map { (short($0.name), Double($0.received)) }, unit: "件")
        view["daysChart"] = SVGChart.bars(report.rows.map { (short($0.name), $0.medianDays ?? 0) }, unit: "个工作日")
        view["trendChart"] = SVGChart.lines(months: report.months.map(\.month), series: [
            ("收案数", "#b3261e", report.months.map(\.received)), ("出具意见书数", "#1d4ed8", report.months.map(\.opinions)),
        ])
        view["countyWork"] = report.countyWork.map { work -> [String: Any] in
            ["name": work.name, "held": work.held, "backlog": work.backlog, "overdue": work.overdue, "overdueRow": work.overdue > 0,
             "forwarded": work.forwarded, "medianDays": Supervision.format(work.medianPreliminaryDays),
             "rounds": work.supplementRounds, "materialsRounds": work.materialsRounds]
        }
        view["csvQuery"] = "from=\(report.from)&to=\(report.to)"
        return renderer.page("supervision", view)
    }

    func supervisionCSV(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let report = try await supervisionReport(request, context: context)
        return HTTPBody.raw(report.csv, contentType: "text/csv; charset=utf-8", extraHeaders: [
            (.contentDisposition, "attachment; filename=\"supervision-\(report.from)-\(report.to).csv\""),
        ])
    }
}
