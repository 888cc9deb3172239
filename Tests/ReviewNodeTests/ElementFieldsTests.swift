import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
import ReviewStore
import ReviewTesting
import Testing

/// The fill-in element form: a case form survives the trip to fields and back, and bad values
/// come back to the drafter with what was typed.
@Suite struct ElementFieldsTests {
    static func fields(_ form: CaseForm) -> ConsoleForm {
        var fields = ConsoleForm()
        for (name, value) in ElementFields.values(form) { fields.fields[name] = [value] }
        fields.fields["itemCount"] = [String(form.serviceItems.count)]
        return fields
    }

    @Test(arguments: ["launch-clean.json", "launch-defective.json", "withdrawal-clean.json"])
    func aFormSurvivesTheFields(_ example: String) throws {
        var form = try Fixtures.example(example)
        let back = try ElementFields.caseForm(Self.fields(form))
        form.materials = []
        #expect(back == form, "\(ElementDiff.changes(from: form, to: back).map { "\($0.path): \($0.before ?? "nil") → \($0.after ?? "nil")" })")
    }

    @Test func typedValuesTheTypesCannotHoldAreNamed() throws {
        var fields = Self.fields(try Fixtures.example("launch-clean.json"))
        fields.fields["items.0.redemptionDays"] = ["二十"]
        #expect(throws: APIError.self) { try ElementFields.caseForm(fields) }
        do {
            _ = try ElementFields.caseForm(fields)
        } catch let error as APIError {
            #expect(error.body.field == "items.0.redemptionDays" && error.body.message.contains("不是整数"))
        }
        fields.fields["items.0.redemptionDays"] = ["20"]
        fields.fields["items.0.applicationMaterials"] = ["申请表|原件|一份"]
        #expect(throws: APIError.self) { try ElementFields.caseForm(fields) }
    }

    /// Break-it finding: the fill-in fields read numbers with `Double(text)`, so 9007199254740993
    /// was stored as …992, `1e-400` as 0 and `0x10` as 16, where the JSON API refuses them. The
    /// fields now follow the API's rule, with the reason in Chinese and the field named.
    @Test(arguments: [
        ("items.0.redemptionCap.value", "9007199254740993", "有效数字过多"), ("items.0.redemptionCap.value", "12345678.123456789", "有效数字过多"),
        ("items.0.redemptionCap.value", "1e-400", "过于接近零"), ("items.0.redemptionCap.value", "1e400", "超出可填写的范围"),
        ("items.0.redemptionCap.value", "0x10", "不是数字"), ("items.0.redemptionCap.value", "+5", "不是数字"),
        ("items.0.redemptionCap.value", ".5", "不是数字"), ("items.0.redemptionCap.value", "5.", "不是数字"),
        ("items.0.redemptionCap.value", "inf", "不是数字"), ("items.0.redemptionCap.value", "nan", "不是数字"),
        ("items.0.redemptionDays", "9007199254740993", "有效数字过多"), ("items.0.redemptionDays", "13.5", "不是整数"),
        ("items.0.redemptionDays", "+13", "不是整数"),
    ])
    func fieldNumbersFollowTheAPIsRule(_ field: String, _ typed: String, _ reason: String) throws {
        var fields = Self.fields(try Fixtures.example("launch-clean.json"))
        #expect(fields.fields[field] != nil, "the example fills \(field)")
        fields.fields[field] = [typed]
        do {
            _ = try ElementFields.caseForm(fields)
            Issue.record("\(typed) was accepted")
        } catch let error as APIError {
            #expect(error.body.field == field && error.body.message.contains(reason), "\(error.body.message)")
            #expect(!error.body.message.contains(field))
        }
    }

    @Test(arguments: [("50", 50.0), ("12.5", 12.5), ("1e-7", 1e-7), (" 8 ", 8.0), ("0", 0.0)])
    func fieldNumbersTheAPITakesAreKept(_ typed: String, _ value: Double) throws {
        var fields = Self.fields(try Fixtures.example("launch-clean.json"))
        fields.fields["items.0.redemptionCap.value"] = [typed]
        #expect(try ElementFields.caseForm(fields).serviceItems[0].redemptionCap?.amount?.value == value)
    }

    @Test func theFillInPageChecksAndKeepsWhatWasTyped() async throws {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "fields")
        defer { node.cleanUp() }
        let (_, token) = try await node.store.write { db in try NodeStore.createUser(db, name: "起草员", role: .drafter, unit: "德惠市科学技术局", isCityNode: false) }
        try await node.application(today: Fixtures.date("2026-03-02")).test(.router) { client in
            let cookie = try await InProcessNode.signIn(client, token: token)
            let page = try await client.execute(uri: "/console/submit/form", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            #expect(page.contains("填写要素表") && page.contains(#"value="德惠市科学技术局""#) && page.contains("事项1"))
            let csrf = try #require(ConsoleSession.hiddenValue("csrf", in: page))

            var fields = Self.fields(try Fixtures.example("launch-clean.json")).fields.map { ($0.key, $0.value[0]) }
            fields += [("csrf", csrf), ("source", "fields"), ("step", "check"),
                       ("materialsJSON", String(decoding: try JSONEncoder().encode(try Fixtures.example("launch-clean.json").materials), as: UTF8.self))]
            func encoded(_ pairs: [(String, String)]) -> ByteBuffer {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                return ByteBuffer(string: pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
            }
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            let checked = try await client.execute(uri: "/console/submit", method: .post, headers: headers, body: encoded(fields)) { response in
                (response.status, String(buffer: response.body))
            }
            #expect(checked.0 == .ok && checked.1.contains("标准化检查未发现问题") && checked.1.contains("确认提交"))

            // A word where a number goes: the fill-in page again, the field named, the input kept.
            let bad = fields.map { $0.0 == "items.1.redemptionDays" ? ($0.0, "十五") : $0 }
            let refused = try await client.execute(uri: "/console/submit", method: .post, headers: headers, body: encoded(bad)) { response in
                (response.status, String(buffer: response.body))
            }
            #expect(refused.0 == .unprocessableContent && refused.1.contains("items.1.redemptionDays") && refused.1.contains(#"value="十五""#))
            #expect(refused.1.contains("德惠市支持中小微企业创新发展若干措施"))

            // One more service item, with everything typed so far kept.
            let added = try await client.execute(uri: "/console/submit", method: .post, headers: headers,
                                                 body: encoded(fields.map { $0.0 == "step" ? ("step", "addItem") : $0 })) { String(buffer: $0.body) }
            #expect(added.contains("事项3") && added.contains(#"name="itemCount" value="3""#) && added.contains("德惠市支持中小微企业创新发展若干措施"))
        }
    }

    /// Break-it (session 8, low): a whole-number field's refusal offered a decimal point.
    @Test func aWholeNumberFieldDoesNotOfferADecimalPoint() throws {
        var fields = Self.fields(try Fixtures.example("launch-clean.json"))
        fields.fields["items.0.redemptionDays"] = ["十"]
        #expect(throws: APIError.self) { try ElementFields.caseForm(fields) }
        do { _ = try ElementFields.caseForm(fields) } catch let error as APIError { #expect(!error.body.message.contains("小数点"), "\(error.body.message)") }
    }

    /// Break-it (session 8, low): the hidden item count was read with `Int()`: `+1` and `01`
    /// taken, `2.0` silently one item. Only plain digits count; anything else is refused.
    @Test(arguments: ["+1", "01", "2.0", "1e1", "-1", "١", "x"])
    func theHiddenItemCountIsPlainDigits(_ typed: String) throws {
        var fields = Self.fields(try Fixtures.example("launch-clean.json"))
        fields.fields["itemCount"] = [typed]
        #expect(throws: APIError.self, "\(typed)") { try ElementFields.caseForm(fields) }
    }

    @Test func wholeNumbersArePlainDigits() {
        for text in ["0", "1", "42", "9223372036854775807"] { #expect(WholeNumber.parse(text) != nil, "\(text)") }
        for text in ["", "+1", "01", "00", "-1", "1.0", "1e3", " 1", "1 ", "١", "１", "9223372036854775808", "99999999999999999999"] {
            #expect(WholeNumber.parse(text) == nil, "\(text)")
        }
    }
}
