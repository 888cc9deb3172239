import Foundation
import ReviewTesting
import Testing

/// The web console driven over HTTP as a browser would: cookies, CSRF tokens from the pages,
/// form posts and 303 redirects, on real node processes.
@Suite(.serialized) struct ConsoleTests {
    /// The example form with one deficiency the linter finds (approval longer than redemption).
    static func defectiveForm() throws -> Data {
        try JSONSerialization.data(withJSONObject: CaseForms.setting(try CaseForms.clean(), item: 0, "internalApprovalDays", 25))
    }

    /// One file per required material kind, as the submission page uploads them.
    static func materialFiles() throws -> [(String, String, Data)] {
        (try CaseForms.clean()["materials"] as! [[String: Any]]).map { material in
            ("material-" + (material["kind"] as! String), material["fileName"] as! String, CaseForms.bytes(ofMaterial: material))
        }
    }

    static func caseId(from result: HTTPResult) throws -> String {
        guard result.status == 303, let location = result.headers["location"], location.hasPrefix("/console/cases/") else {
            throw NodeProcessError("expected a redirect to the case page, got \(result.status) \(result.headers["location"] ?? "") \(result.text.prefix(400))")
        }
        return String(location.dropFirst("/console/cases/".count).prefix { $0 != "?" })
    }

    @Test func aCaseGoesFromTheDrafterThroughBothNodesAndBackInTheConsole() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let supervisor = try city.addUser(name: "市监督员", role: "supervisor")

        // The drafter checks a form with a deficiency: findings first, nothing submitted.
        let drafter = try await ConsoleSession.signIn(county.baseURL, token: federation.drafter)
        #expect(try await drafter.get("/console/submit").text.contains("提交标准化审查申请"))
        let checked = try await drafter.postMultipart("/console/submit", fields: [("step", "check")],
                                                      files: [("formFile", "要素表.json", try Self.defectiveForm())] + (try Self.materialFiles()))
        #expect(checked.status == 200)
        #expect(checked.text.contains("标准化检查发现 1 处问题"))
        #expect(try await drafter.get("/console?scope=all").text.contains("没有符合条件的案件"))
        // Bad input: one Chinese line on the page, 4xx, nothing stored.
        let malformed = try await drafter.postMultipart("/console/submit", fields: [("step", "check")], files: [("formFile", "要素表.json", Data("{\"formatVersion\": 1,".utf8))])
        #expect(malformed.status == 400 && malformed.text.contains("请求内容不是有效的JSON"))
        var extra = try CaseForms.clean()
        extra["colour"] = "red"
        let unknown = try await drafter.post("/console/submit", ["step": "submit", "formJSON": String(decoding: try JSONSerialization.data(withJSONObject: extra), as: UTF8.self)])
        #expect(unknown.status == 422 && unknown.text.contains("存在无法识别的字段") && unknown.text.contains("colour"))
        #expect(try await drafter.get("/console?scope=all").text.contains("没有符合条件的案件"))
        let formJSON = try #require(ConsoleSession.hiddenValue("formJSON", in: checked.text))
        let id = try Self.caseId(from: try await drafter.post("/console/submit", ["step": "submit", "formJSON": formJSON]))
        let submitted = try await drafter.get("/console/cases/\(id)?flash=submitted")
        #expect(submitted.text.contains("申请已提交") && submitted.text.contains("部门内部审批时限") && submitted.text.contains("⚠"))

        // The county reviewer accepts and sends a supplement notice with the finding.
        let countyReviewer = try await ConsoleSession.signIn(county.baseURL, token: federation.countyReviewer)
        #expect(try await countyReviewer.get("/console").text.contains(id))
        _ = try await countyReviewer.get("/console/cases/\(id)")
        #expect(try await countyReviewer.post("/console/cases/\(id)/actions/accept", [:]).status == 303)
        _ = try await countyReviewer.get("/console/cases/\(id)")
        #expect(try await countyReviewer.post("/console/cases/\(id)/actions/supplement-notice", ["finding": "0"]).status == 303)
        let stopped = try await countyReviewer.get("/console/cases/\(id)")
        #expect(stopped.text.contains("补正期间计时暂停") && stopped.text.contains("发出补正通知(计时暂停)"))

        // The drafter answers with the clean form; the diff shows the change.
        #expect(try await drafter.get("/console").text.contains(id))
        _ = try await drafter.get("/console/cases/\(id)")
        let clean = try JSONSerialization.data(withJSONObject: try CaseForms.clean())
        #expect(try await drafter.postMultipart("/console/cases/\(id)/actions/resubmit", fields: [], files: [("formFile", "要素表.json", clean)]).status == 303)
        let resubmitted = try await countyReviewer.get("/console/cases/\(id)")
        #expect(resubmitted.text.contains("修订对比(第1版 → 第2版)") && resubmitted.text.contains("事项1“中小微企业研发投入补贴” › 部门内部审批时限") && !resubmitted.text.contains("serviceItems[0]"))

        // Preliminary review done, forwarded to the city.
        #expect(try await countyReviewer.post("/console/cases/\(id)/actions/complete-preliminary", ["conclusion": "初审通过"]).status == 303)
        _ = try await countyReviewer.get("/console/cases/\(id)")
        #expect(try await countyReviewer.post("/console/cases/\(id)/actions/forward", [:]).status == 303)

        // The city reviewer finds it in the inbox and issues the opinion.
        let cityReviewer = try await ConsoleSession.signIn(city.baseURL, token: federation.cityReviewer)
        #expect(try await eventually { try await cityReviewer.get("/console").text.contains(id) })
        // The city holds the forwarded revision (2) only: no diff, and the page still opens.
        let atCity = try await cityReviewer.get("/console/cases/\(id)")
        #expect(atCity.status == 200 && atCity.text.contains("出具标准化审查意见书") && !atCity.text.contains("修订对比"))
        #expect(try await city.call("GET", "/api/v1/cases/\(id)/diff?from=1", token: federation.cityReviewer).status == 422)
        let issued = try await cityReviewer.post("/console/cases/\(id)/actions/opinion", ["outcome": "passed", "remarks": "请按期上线"])
        #expect(issued.status == 303)

        // The drafter sees it, prints it and can check its signature's fingerprint.
        #expect(try await eventually { try await drafter.get("/console/cases/\(id)").text.contains("长政数标审〔2026〕1号") })
        let opinion = try await drafter.get("/console/cases/\(id)/opinion")
        #expect(opinion.text.contains("审查通过") && opinion.text.contains("请按期上线") && opinion.text.contains("签名公钥指纹"))
        let badDate = try await drafter.post("/console/cases/\(id)/actions/launch", ["launchDate": "2026-13-01"])
        #expect(badDate.status == 422 && badDate.text.contains("上线日期应为“年-月-日”格式") && !badDate.text.contains("launchDate"))
        #expect(try await drafter.get("/console/cases/\(id)").text.contains("审查通过"))
        let material = try await drafter.get("/console/cases/\(id)/materials/62a373f75e9120d74ab3c2fd1e9c4464c1979c309881bef2ea713a7ae70b55aa")
        #expect(material.status == 200 && material.headers["x-content-sha256"] == "62a373f75e9120d74ab3c2fd1e9c4464c1979c309881bef2ea713a7ae70b55aa")

        // Ledger, CSV and archive at the county; supervision at the city.
        #expect(try await countyReviewer.get("/console/ledger").text.contains(id))
        #expect(try await countyReviewer.get("/console/ledger?kind=launch&unit=德惠市科学技术局".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!).text.contains(id))
        #expect(try await countyReviewer.get("/console/ledger?state=archived").text.contains("台帐为空"))
        let badFilter = try await county.call("GET", "/api/v1/ledger?state=done", token: federation.countyReviewer)
        #expect(badFilter.status == 422 && badFilter.errorField == "state")
        let filtered = try await county.call("GET", "/api/v1/ledger.csv?year=2026&state=opinionPassed", token: federation.countyReviewer)
        #expect(filtered.text.contains(id))
        let csv = try await countyReviewer.get("/console/ledger.csv")
        #expect(csv.status == 200 && csv.text.contains(id))
        let archive = try await countyReviewer.get("/console/cases/\(id)/archive.zip")
        #expect(archive.status == 200 && archive.data.starts(with: Data("PK".utf8)))
        #expect(archive.data.range(of: Data("\(id)/case.json".utf8)) != nil && archive.data.range(of: Data("\(id)/opinion.html".utf8)) != nil)
        let year = try await countyReviewer.get("/console/ledger/archive.zip?year=2026")
        #expect(year.status == 200 && year.data.range(of: Data("ledger-2026.csv".utf8)) != nil)
        #expect(year.data.range(of: Data("\(id)/case.json".utf8)) != nil && year.data.range(of: Data("\(id)/opinion.html".utf8)) != nil)
        // Written in the node's own folder, readable by its user only, and gone once sent.
        let work = county.dataDirectory.appendingPathComponent("tmp")
        let mode = try FileManager.default.attributesOfItem(atPath: work.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
        let supervision = try await ConsoleSession.signIn(city.baseURL, token: supervisor)
        let page = try await supervision.get("/console/supervision?from=2026-01-01&to=2026-12-31")
        #expect(page.status == 200 && page.text.contains("德惠市政务服务和数字化建设管理局") && page.text.contains("<svg"))
        let figures = try await supervision.get("/console/supervision.csv?from=2026-01-01&to=2026-12-31")
        #expect(figures.text.contains("德惠市政务服务和数字化建设管理局,220183,1,1,0,0.0%"))
    }

    @Test func signInSessionsAndForms() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let reviewerToken = try county.addUser(name: "县审查员", role: "countyReviewer")
        let url = county.baseURL

        // Without a session every page leads to the sign-in page.
        let anonymous = ConsoleSession(baseURL: url)
        for path in ["/console", "/console/cases/x", "/console/ledger", "/console/operator", "/console/submit"] {
            let result = try await anonymous.get(path)
            #expect(result.status == 303 && result.headers["location"]?.hasPrefix("/console/login") == true, "\(path)")
        }
        #expect(try await anonymous.post("/console/cases/x/actions/accept", [:], csrf: false).status == 303)
        #expect(try await anonymous.get("/console/login").text.contains("访问令牌"))

        // Wrong token, wrong password: 401 and one Chinese line.
        let wrong = try await anonymous.post("/console/login", ["token": "prt_nope"], csrf: false)
        #expect(wrong.status == 401 && wrong.text.contains("用户名、密码或令牌不正确"))

        // A token signs in; the cookie is HttpOnly and SameSite=Strict.
        let signIn = try await anonymous.post("/console/login", ["token": reviewerToken], csrf: false)
        let cookie = try #require(signIn.headers["set-cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.hasPrefix("review_session="))
        #expect(try await anonymous.get("/console").status == 200)

        // A form without the session's CSRF token changes nothing.
        let forged = try await anonymous.post("/console/logout", ["csrf": "forged"], csrf: false)
        #expect(forged.status == 403 && forged.text.contains("表单已过期或来源不明"))
        #expect(try await anonymous.get("/console").status == 200)

        // A sign-in posted from another site is refused.
        let foreign = try await county.call("POST", "/console/login", body: Data("token=\(reviewerToken)".utf8),
                                            headers: ["Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"])
        #expect(foreign.status == 403 && foreign.headers["set-cookie"] == nil)
        // So is one with no Origin but another site's Referer; this node's own page as Referer is not.
        let referred = try await county.call("POST", "/console/login", body: Data("token=\(reviewerToken)".utf8),
                                             headers: ["Referer": "http://evil.example/x", "Content-Type": "application/x-www-form-urlencoded"])
        #expect(referred.status == 403 && referred.headers["set-cookie"] == nil)
        let own = try await county.call("POST", "/console/login", body: Data("token=\(reviewerToken)".utf8),
                                        headers: ["Referer": "\(county.baseURL)/console/login", "Content-Type": "application/x-www-form-urlencoded"])
        // (This client follows the 303 to the console.)
        #expect(own.status == 200 && !own.text.contains("登录请求来源不明"), "\(own.status)")

        // A password set with reviewctl signs in by name; a wrong one does not.
        let reviewctl = NodeProcess.binaries.appendingPathComponent("reviewctl")
        let list = try CommandRunner.run(reviewctl, ["user", "list", "--data-dir", county.dataDirectory.path])
        let id = try #require(list.stdout.split(separator: "\n").first { $0.contains("县审查员") }?.split(separator: "\t").first)
        let short = try CommandRunner.run(reviewctl, ["user", "password", "--id", String(id), "--data-dir", county.dataDirectory.path], input: Data("short\n".utf8))
        #expect(short.status != 0 && short.stderr.contains("at least 10 characters"))
        let set = try CommandRunner.run(reviewctl, ["user", "password", "--id", String(id), "--data-dir", county.dataDirectory.path], input: Data("长春德惠2026审查\n".utf8))
        #expect(set.status == 0, "\(set.stderr)")
        // Setting a password ends the user's sessions.
        #expect(try await anonymous.get("/console").status == 303)
        let byPassword = ConsoleSession(baseURL: url)
        #expect(try await byPassword.post("/console/login", ["name": "县审查员", "password": "错误的密码错误的密码"], csrf: false).status == 401)
        #expect(try await byPassword.post("/console/login", ["name": "县审查员", "password": "长春德惠2026审查"], csrf: false).status == 303)
        #expect(try await byPassword.get("/console").text.contains("县审查员 · 县级审查员"))

        // Signing out ends the session.
        #expect(try await byPassword.post("/console/logout", [:]).status == 303)
        #expect(try await byPassword.get("/console").status == 303)

        // Five wrong passwords for a name, and the right one is refused too, for a while.
        let guesser = ConsoleSession(baseURL: url)
        for attempt in 1...5 {
            #expect(try await guesser.post("/console/login", ["name": "县审查员", "password": "猜测的密码\(attempt)号口令"], csrf: false).status == 401)
        }
        let throttled = try await guesser.post("/console/login", ["name": "县审查员", "password": "长春德惠2026审查"], csrf: false)
        #expect(throttled.status == 429 && throttled.text.contains("登录失败次数过多") && throttled.headers["set-cookie"] == nil)
        // Other names and tokens are not affected.
        #expect(try await guesser.post("/console/login", ["token": reviewerToken], csrf: false).status == 303)
    }

    /// Every page and form against every role: who gets the page, who is refused, and that a
    /// refused case is answered as if it did not exist.
    @Test func pagesAndFormsFollowTheAccessRules() async throws {
        let federation = try Federation()
        defer { federation.cleanUp() }
        let (city, county) = (federation.city, federation.county)
        let otherDrafterToken = try county.addUser(name: "财政局起草员", role: "drafter", unit: "德惠市财政局")
        let countyOperatorToken = try county.addUser(name: "县运维", role: "operator")
        let supervisorToken = try city.addUser(name: "市监督员", role: "supervisor")
        let cityDrafterToken = try city.addUser(name: "市起草员", role: "drafter", unit: "长春市科学技术局")

        // One case of 德惠市科学技术局, forwarded, so that both nodes hold it.
        let drafter = try await ConsoleSession.signIn(county.baseURL, token: federation.drafter)
        _ = try await drafter.get("/console/submit")
        let checked = try await drafter.postMultipart("/console/submit", fields: [("step", "check")],
                                                      files: [("formFile", "要素表.json", try JSONSerialization.data(withJSONObject: try CaseForms.clean()))] + (try Self.materialFiles()))
        let id = try Self.caseId(from: try await drafter.post("/console/submit", ["step": "submit", "formJSON": try #require(ConsoleSession.hiddenValue("formJSON", in: checked.text))]))
        let countyReviewer = try await ConsoleSession.signIn(county.baseURL, token: federation.countyReviewer)
        for action in ["accept", "complete-preliminary", "forward"] {
            _ = try await countyReviewer.get("/console/cases/\(id)")
            #expect(try await countyReviewer.post("/console/cases/\(id)/actions/\(action)", ["conclusion": "初审通过"]).status == 303, "\(action)")
        }
        let cityReviewer = try await ConsoleSession.signIn(city.baseURL, token: federation.cityReviewer)
        #expect(try await eventually { try await cityReviewer.get("/console/cases/\(id)").status == 200 })

        let digest = "62a373f75e9120d74ab3c2fd1e9c4464c1979c309881bef2ea713a7ae70b55aa"
        let pages = ["/console", "/console/submit", "/console/cases/\(id)", "/console/cases/\(id)/materials/\(digest)",
                     "/console/cases/\(id)/archive.zip", "/console/ledger", "/console/ledger.csv", "/console/ledger/archive.zip?year=2026",
                     "/console/operator", "/console/supervision", "/console/supervision.csv"]
        // Expected status per page, in the order above. 303: the operator's inbox is the operator page.
        let expectations: [(String, NodeProcess, String, [Int])] = [
            ("drafter", county, federation.drafter, [200, 200, 200, 200, 403, 403, 403, 403, 403, 404, 404]),
            ("other unit's drafter", county, otherDrafterToken, [200, 200, 404, 404, 403, 403, 403, 403, 403, 404, 404]),
            ("county reviewer", county, federation.countyReviewer, [200, 403, 200, 200, 200, 200, 200, 200, 403, 404, 404]),
            ("county operator", county, countyOperatorToken, [303, 403, 404, 404, 403, 403, 403, 403, 200, 404, 404]),
            ("city reviewer", city, federation.cityReviewer, [200, 403, 200, 200, 200, 200, 200, 200, 403, 200, 200]),
            ("city supervisor", city, supervisorToken, [200, 403, 200, 200, 200, 200, 200, 200, 403, 200, 200]),
            ("city drafter of another unit", city, cityDrafterToken, [200, 200, 404, 404, 403, 403, 403, 403, 403, 403, 403]),
            ("city operator", city, federation.cityOperator, [303, 403, 404, 404, 403, 403, 403, 403, 200, 403, 403]),
        ]
        for (who, node, token, statuses) in expectations {
            let browser = try await ConsoleSession.signIn(node.baseURL, token: token)
            for (path, status) in zip(pages, statuses) {
                let result = try await browser.get(path)
                #expect(result.status == status, "\(who) GET \(path): \(result.status)")
                if status == 404 || status == 403 {
                    #expect(result.text.contains("操作未完成"), "\(who) GET \(path) answers a Chinese page")
                }
            }
        }

        // Forms: each refused for the roles that may not post them, and nothing changes.
        let refused: [(String, NodeProcess, String, String, [String: String])] = [
            ("other unit's drafter", county, otherDrafterToken, "disagreement", ["reason": "不同意"]),
            ("drafter", county, federation.drafter, "archive", [:]),
            ("county operator", county, countyOperatorToken, "accept", [:]),
            ("city supervisor", city, supervisorToken, "opinion", ["outcome": "passed"]),
            ("city drafter of another unit", city, cityDrafterToken, "launch", ["launchDate": "2026-04-01"]),
        ]
        for (who, node, token, action, fields) in refused {
            let browser = try await ConsoleSession.signIn(node.baseURL, token: token)
            _ = try await browser.get("/console")
            let result = try await browser.post("/console/cases/\(id)/actions/\(action)", fields.map { ($0.key, $0.value) })
            #expect([403, 404].contains(result.status), "\(who) POST \(action): \(result.status)")
        }
        #expect(try await cityReviewer.get("/console/cases/\(id)").text.contains("审定中"))
        let operatorBrowser = try await ConsoleSession.signIn(county.baseURL, token: countyOperatorToken)
        _ = try await operatorBrowser.get("/console/operator")
        #expect(try await operatorBrowser.post("/console/operator/users", ["name": "新起草员", "role": "drafter", "unit": "德惠市教育局"]).text.contains("created-token"))
        let reviewerAsOperator = try await countyReviewer.post("/console/operator/users", ["name": "x", "role": "operator"])
        #expect(reviewerAsOperator.status == 403)
    }

    /// A reviewer's own problems go into the notice; a new problem on an element the drafter did
    /// not change since the last notice needs a reason (Art 8's one-shot rule), asked for on a page.
    @Test func reviewerNotesAndTheOneShotRule() async throws {
        let county = try NodeProcess(tier: "county", nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", today: "2026-03-02")
        defer { county.cleanUp() }
        let drafterToken = try county.addUser(name: "起草员", role: "drafter", unit: "德惠市科学技术局")
        let reviewerToken = try county.addUser(name: "县审查员", role: "countyReviewer")
        let form = try CaseForms.clean()
        try await CaseForms.uploadMaterials(of: form, to: county, token: drafterToken)
        let submitted = try await county.call("POST", "/api/v1/cases", token: drafterToken, json: form)
        let id = try #require((submitted.json["case"] as? [String: Any])?["id"] as? String)
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/accept", token: reviewerToken).status == 200)

        let reviewer = try await ConsoleSession.signIn(county.baseURL, token: reviewerToken)
        let page = try await reviewer.get("/console/cases/\(id)")
        #expect(page.text.contains("其他需补正的问题") && page.text.contains("标准化检查未发现问题"))
        // An element without an item number is refused, naming the field.
        let unnamed = try await reviewer.post("/console/cases/\(id)/actions/supplement-notice", ["note.0.element": "applicationPlace", "note.0.text": "地点不具体"])
        #expect(unnamed.status == 422 && unnamed.text.contains("其他问题第1行 › 事项序号") && ConsoleWording.leaks(in: unnamed.text).isEmpty)
        #expect(try await reviewer.post("/console/cases/\(id)/actions/supplement-notice",
                                        ["note.0.item": "1", "note.0.element": "applicationPlace", "note.0.text": "申报地点应写明门牌号"]).status == 303)
        let first = try await county.call("GET", "/api/v1/cases/\(id)", token: reviewerToken)
        let firstFindings = ((first.json["notices"] as? [[String: Any]])?.last?["findings"] as? [[String: Any]]) ?? []
        #expect(firstFindings.first?["code"] as? String == "reviewer-note" && firstFindings.first?["path"] as? String == "serviceItems[0].applicationPlace")

        // The drafter answers without touching the item's name; a new problem there needs a reason.
        #expect(try await county.call("POST", "/api/v1/cases/\(id)/resubmit", token: drafterToken, json: form).status == 200)
        _ = try await reviewer.get("/console/cases/\(id)")
        let note = ["note.0.item": "1", "note.0.element": "itemName", "note.0.text": "事项名称应与政策条款一致"]
        let asked = try await reviewer.post("/console/cases/\(id)/actions/supplement-notice", note.map { ($0.key, $0.value) })
        #expect(asked.status == 422 && asked.text.contains("说明重复提出的理由") && asked.text.contains("serviceItems[0].itemName"))
        #expect(asked.text.contains(#"name="note.0.text" value="事项名称应与政策条款一致""#))
        let given = try await reviewer.post("/console/cases/\(id)/actions/supplement-notice",
                                            note.map { ($0.key, $0.value) } + [("reason:serviceItems[0].itemName", "首轮审查时政策条款尚未定稿")])
        #expect(given.status == 303)
        let second = try await county.call("GET", "/api/v1/cases/\(id)", token: reviewerToken)
        let reasons = (second.json["notices"] as? [[String: Any]])?.last?["repeatReasons"] as? [String: String]
        #expect(reasons?["serviceItems[0].itemName"] == "首轮审查时政策条款尚未定稿")
    }
}
