import Crypto
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// Findings of the session-8 break-it runs, fixed in the ninth round.
@Suite struct BreakItRoundNineTests {
    /// MEDIUM: a message its peer keeps answering `out-of-order` (the peer lacks an earlier
    /// message of the case) retried for ever, and the operator page neither listed it nor let
    /// the operator stop it. It is listed under 等待对方节点的消息 with a 暂停发送 button,
    /// which makes it a dead letter (then 重新发送 / 放弃发送).
    @Test func theOperatorPageListsAndSetsAsideAMessageWaitingOnItsPeer() async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "breakit9")
        defer { node.cleanUp() }
        let token = try await node.store.write { db -> String in
            let card = LinkCard(nodeId: "220100", name: "长春市政务服务和数字化建设管理局", divisionCode: "220100", tier: .city,
                                baseURL: "http://127.0.0.1:9", publicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString())
            _ = try Links.importCard(db, card, own: node.configuration)
            for (id, code, attempts) in [("waits", "out-of-order", 3), ("young", "out-of-order", 2), ("other", "stale-message", 5)] {
                try NodeStore.insert(db, outbox: OutboxRecord(id: id, peer: "220100", caseId: "220183-2026-00\(attempts)\(id.count)", caseSequence: 1,
                                                              type: .caseForwarded, body: Data("{}".utf8), signature: Data(count: 64), createdAt: Date()))
                for _ in 0..<attempts {
                    try NodeStore.recordDeliveryFailure(db, messageId: id, error: #"HTTP 409: {"error":{"code":"\#(code)","detail":"expected 1"}}"#,
                                                        permanent: false, retryAt: Date().addingTimeInterval(3600))
                }
            }
            return try NodeStore.createUser(db, name: "运维", role: .operator, unit: nil, isCityNode: false).1
        }
        try await node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            let page = try await client.execute(uri: "/console/operator", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            let section = try #require(page.components(separatedBy: #"<table id="waiting-messages">"#).dropFirst().first?.components(separatedBy: "</table>").first)
            #expect(page.contains("等待对方节点的消息") && section.contains("/console/operator/outbox/waits/set-aside"))
            #expect(!section.contains("young") && !section.contains("other"), "only a message answered out-of-order 3 times waits")
            #expect(!section.contains("out-of-order"), "no codes on the page")
            let csrf = try #require(ConsoleSession.hiddenValue("csrf", in: page))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            let done = try await client.execute(uri: "/console/operator/outbox/waits/set-aside", method: .post, headers: headers,
                                                body: ByteBuffer(string: "csrf=\(csrf)")) { ($0.status, String(buffer: $0.body)) }
            #expect(done.0 == .ok && done.1.contains("已暂停发送"), "\(done.1.suffix(400))")
            let deadTable = try #require(done.1.components(separatedBy: #"<table id="dead-letters">"#).dropFirst().first?.components(separatedBy: "</table>").first)
            #expect(deadTable.contains("/console/operator/outbox/waits/discard") && deadTable.contains("缺少本案此前的消息"))
            #expect(!done.1.contains(#"<table id="waiting-messages">"#))
            // Not waiting (any more, or yet, or for another reason): 404, nothing changes.
            for id in ["waits", "young", "other", "nothing"] {
                let refused = try await client.execute(uri: "/console/operator/outbox/\(id)/set-aside", method: .post, headers: headers,
                                                       body: ByteBuffer(string: "csrf=\(csrf)")) { ($0.status, String(buffer: $0.body)) }
                #expect(refused.0 == .notFound && refused.1.contains("未找到该条等待对方节点的消息"), "\(id)")
            }
            // The API: the operator's route, the same refusal as JSON naming the field.
            try await client.execute(uri: "/api/v1/federation/outbox/young/set-aside", method: .post, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("waiting-message-not-found"))
            }
        }
        let states = try await node.store.read { db in
            try ["waits", "young", "other"].map { try OutboxRecord.fetchOne(db, key: $0)?.deadAt != nil }
        }
        #expect(states == [true, false, false])
    }

    /// Low: a reviewer's own problem took its item number through `Int()`: `+1` and `01` read
    /// as item 1. Only plain digits from 1 are an item number.
    @Test(arguments: ["+1", "01", "1.0", "0", "-1", "１", "9223372036854775808"])
    func aReviewerNoteItemNumberIsPlainDigits(_ typed: String) {
        var form = ConsoleForm()
        form.fields = ["note.0.text": ["缺少办理时限"], "note.0.item": [typed]]
        #expect(throws: APIError.self, "\(typed)") { try ConsoleRoutes.reviewerNotes(form) }
    }

    @Test func aReviewerNoteItemNumberInPlainDigitsIsKept() throws {
        var form = ConsoleForm()
        form.fields = ["note.0.text": ["缺少办理时限"], "note.0.item": ["2"], "note.0.element": ["redemptionDays"]]
        let notes = try ConsoleRoutes.reviewerNotes(form)
        #expect(notes.map(\.itemIndex) == [1] && notes.map(\.path) == ["serviceItems[1].redemptionDays"])
    }

    // MARK: Session 9's break-it run

    /// LOW: an operator enabling a user by a malformed id (`+1`, `01`) was told 不能停用自己的账号.
    @Test func aMalformedUserIdIsAnUnknownUserOnTheOperatorPage() async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "breakit9")
        defer { node.cleanUp() }
        let token = try await node.store.write { db in try NodeStore.createUser(db, name: "运维", role: .operator, unit: nil, isCityNode: false).1 }
        try await node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            let page = try await client.execute(uri: "/console/operator", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            let csrf = try #require(ConsoleSession.hiddenValue("csrf", in: page))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            for (id, action) in [("%2B1", "enable"), ("01", "disable"), ("5.0", "enable"), ("x", "disable")] {
                let answer = try await client.execute(uri: "/console/operator/users/\(id)/\(action)", method: .post, headers: headers,
                                                      body: ByteBuffer(string: "csrf=\(csrf)")) { ($0.status, String(buffer: $0.body)) }
                #expect(answer.0 == .notFound && answer.1.contains("用户不存在") && !answer.1.contains("不能停用自己的账号"), "\(id)")
            }
        }
    }

    /// LOW: a refused finding's place showed as “findings[0].itemIndex” on the reviewer's page.
    @Test func aFindingsPlaceIsNamedInWords() {
        #expect(ConsoleVocabulary.fieldPlace("findings[0].itemIndex") == "所提问题第1项 › 事项序号")
        #expect(ConsoleVocabulary.fieldPlace("findings[2].path") == "所提问题第3项 › 问题位置")
        #expect(!ConsoleVocabulary.fieldPlace("findings[9223372036854775807].itemIndex").contains("findings"))
    }

    /// LOW: 增加事项 with a tampered hidden item count silently started again from one item.
    @Test func addingAnItemRefusesATamperedItemCount() async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "breakit9")
        defer { node.cleanUp() }
        let (_, token) = try await node.store.write { db in try NodeStore.createUser(db, name: "起草员", role: .drafter, unit: "德惠市科学技术局", isCityNode: false) }
        try await node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            let page = try await client.execute(uri: "/console/submit/form", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            let csrf = try #require(ConsoleSession.hiddenValue("csrf", in: page))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            for count in ["%2B1", "01", "1.0", "-1"] {
                let answer = try await client.execute(uri: "/console/submit", method: .post, headers: headers,
                                                      body: ByteBuffer(string: "csrf=\(csrf)&source=fields&step=addItem&itemCount=\(count)")) { ($0.status, String(buffer: $0.body)) }
                #expect(answer.0 == .unprocessableContent && answer.1.contains("事项数应为整数"), "\(count): \(answer.0)")
            }
            let added = try await client.execute(uri: "/console/submit", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "csrf=\(csrf)&source=fields&step=addItem&itemCount=2")) { ($0.status, String(buffer: $0.body)) }
            #expect(added.0 == .ok && added.1.contains("事项3"))
        }
    }

    /// Note: `year=02026` was taken as 2026 while `+2026` was refused; every number in a query is
    /// now plain digits without a leading zero.
    @Test(arguments: ["year=02026", "limit=05", "offset=00", "year=2026&limit=010"])
    func queryNumbersHaveNoLeadingZero(_ query: String) async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "breakit9")
        defer { node.cleanUp() }
        let (_, token) = try await node.store.write { db in try NodeStore.createUser(db, name: "审查员", role: .countyReviewer, unit: nil, isCityNode: false) }
        try await node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/api/v1/ledger?\(query)", method: .get, headers: bearer) { response in
                #expect(response.status == .unprocessableContent, "\(query)")
            }
            try await client.execute(uri: "/api/v1/ledger?year=2026&limit=10&offset=0", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
