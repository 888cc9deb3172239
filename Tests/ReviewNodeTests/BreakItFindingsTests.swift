import Foundation
import ReviewProtocol
import ReviewStore
import ReviewTesting
@testable import ReviewNode
import Testing

/// Kinds found by trying the merged consultation, expert-session and publication work as an
/// attacker and as a clerk would (each handed example is a case here).
@Suite struct BreakItFindingsTests {
    /// Every field an error of the consultation and session forms can name reads as Chinese:
    /// the clerk never sees `fairCompetition` or `departments[0].department`.
    @Test(arguments: ["fairCompetition", "answer", "fairConclusion", "departments[0].department", "title", "topic",
                      "heldOn", "sessionForm", "participant.0.field", "participants[2].name", "changes[0].change",
                      "changes[3].itemIndex", "attachments[0].sha256", "funding.amount", "reasons", "minutes"])
    func consultationFieldsHaveChineseNames(_ field: String) {
        let place = ConsoleVocabulary.fieldPlace(field)
        #expect(!place.contains(where: { $0.isASCII && $0.isLetter }), "\(field) → \(place)")
    }

    @Test func rowsAreNumberedFromOne() {
        #expect(ConsoleVocabulary.fieldPlace("departments[0].department") == "征询部门第1项 › 部门")
        #expect(ConsoleVocabulary.fieldPlace("participant.2.field") == "参会人员第3项 › 领域")
    }

    /// A NUL or another control character in a typed name or text is refused; line breaks in
    /// multi-line text are not; length is bounded.
    @Test func plainTextRefusesControlCharactersAndOverlongText() {
        #expect(PlainText.problem("a\u{0}b", maxLength: 100, multiline: false) != nil)
        #expect(PlainText.problem("a\nb", maxLength: 100, multiline: false) != nil)
        #expect(PlainText.problem("同意\u{0}但须删除第三条", maxLength: 2_000) != nil)
        #expect(PlainText.problem("a\u{7F}", maxLength: 100) != nil)
        #expect(PlainText.problem("第一条\n第二条\t说明", maxLength: 2_000) == nil)
        #expect(PlainText.problem(String(repeating: "理", count: 5_001), maxLength: 5_000) != nil)
        #expect(PlainText.problem(String(repeating: "理", count: 5_000), maxLength: 5_000) == nil)
    }

    /// Funding amounts: digits with 元 or 万元, at most 12 whole digits and 4 decimals.
    @Test func fundingAmountsAreBounded() {
        #expect(FundingOpinion.isValidAmount("500万元"))
        #expect(FundingOpinion.isValidAmount("123456789012.5元"))
        #expect(!FundingOpinion.isValidAmount("99999999999999999999999999999万元"))
        #expect(!FundingOpinion.isValidAmount("1.123456元"))
    }

    /// A port outside 0–65535 in the node's file is refused at start, not wrapped.
    @Test(arguments: [99999, -1, 65536])
    func aPortOutOfRangeIsRefused(_ port: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("node.json")
        try Data(#"{"nodeId":"220183","name":"x","tier":"county","port":\#(port),"dataDirectory":"\#(directory.path)/data"}"#.utf8).write(to: file)
        #expect {
            try NodeConfiguration.load(file: file.path, environment: [:])
        } throws: { error in
            String(describing: error).contains("port must be a port number")
        }
    }
}

/// Kinds found by the break-it run on the federation read deadline and the exact-number rule.
@Suite struct BreakItRoundEightTests {
    /// `reviewctl link import` took a card whose `maxMessageBytes` was -1, 0 or below the 8 MiB
    /// every node accepts; each forward to that peer then failed ("上限 -0.0 MB"). Refused now,
    /// naming the field; the least a node accepts is taken.
    @Test(arguments: [-1, 0, 8_388_607, FederationWire.maxEnvelopeBytes])
    func aLinkCardsMessageLimitIsAtLeastTheEnvelopeLimit(_ limit: Int) async throws {
        let node = try InProcessNode(nodeId: "220100", name: "长春市政务服务和数字化建设管理局", tier: .city, prefix: "card")
        defer { node.cleanUp() }
        let card = LinkCard(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", divisionCode: "220183", tier: .county,
                            baseURL: "http://127.0.0.1:1", publicKey: Data(repeating: 7, count: 32).base64EncodedString(), maxMessageBytes: limit)
        do {
            _ = try await node.store.write { db in try Links.importCard(db, card, own: node.configuration) }
            #expect(limit >= FederationWire.maxEnvelopeBytes, "\(limit) was taken")
        } catch let error as StoreError {
            #expect(limit < FederationWire.maxEnvelopeBytes && error.message.hasPrefix("maxMessageBytes:"), "\(error.message)")
        }
    }
}

extension BreakItRoundEightTests {
    /// Break-it (HIGH): a county reviewer's finding with `path` `serviceItems[9223372036854775807]…`
    /// was stored as sent, and every later view of the case page trapped (index + 1 overflows)
    /// on the county and, once forwarded, on the city. Indices from stored paths print safely,
    /// and the API refuses a finding that names an item the form does not have.
    @Test(arguments: ["serviceItems[9223372036854775807].penalty", "serviceItems[-1].penalty", "materials[9223372036854775807]",
                      "note.9223372036854775807.item", "items.9223372036854775807.redemptionDays", "departments[9223372036854775807].department",
                      "serviceItems[9223372036854775807].applicationMaterials[9223372036854775807].name"])
    func indicesFromStoredPathsPrintWithoutTrapping(_ path: String) {
        let place = ConsoleVocabulary.fieldPlace(path)
        #expect(!place.isEmpty)
        _ = ConsoleVocabulary.place(path, itemNames: ["a"])
        _ = ConsoleVocabulary.field(path)
        #expect(ConsoleVocabulary.item(Int.max, itemNames: []) == "事项?")
        #expect(ConsoleVocabulary.ordinal(0) == "1" && ConsoleVocabulary.ordinal(-3) == "?")
    }

    @Test func aFindingMustNameAnItemTheFormHas() throws {
        let form = try Fixtures.example("launch-clean.json")
        let count = form.serviceItems.count
        func refusal(_ finding: Finding) -> String? {
            do {
                try CaseWorkflow.checkPlaces(of: [finding], in: form)
                return nil
            } catch let error as APIError {
                return error.body.field
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(Finding(code: .reviewerNote, itemIndex: 0, element: .penalty, path: "serviceItems[9223372036854775807].penalty", message: "测试"))
            == "findings[0].path")
        #expect(refusal(Finding(code: .reviewerNote, itemIndex: count, element: .penalty, path: "serviceItems[\(count)].penalty", message: "测试"))
            == "findings[0].itemIndex")
        #expect(refusal(Finding(code: .reviewerNote, itemIndex: 0, element: .penalty, path: "serviceItems[1].penalty", message: "测试")) == "findings[0].path")
        #expect(refusal(Finding(code: .reviewerNote, itemIndex: 0, element: .penalty, path: "serviceItems[0].penalty", message: "测试")) == nil)
        #expect(refusal(Finding(code: .reviewerNote, path: "policy.documentNumber", message: "测试")) == nil)
    }
}
