import ReviewProtocol
import Testing

@Suite struct ElementCatalogueTests {
    @Test func thirtyElementsInTheFourArt7Groups() {
        #expect(Element.allCases.count == 30)
        let counts = Dictionary(grouping: Element.allCases, by: \.group).mapValues(\.count)
        #expect(counts == [.textual: 9, .application: 9, .redemption: 6, .supervision: 6])
        #expect(Set(Element.allCases.map(\.chineseName)).count == 30)
    }

    @Test func elementNamesAreTheRegulationsWords() {
        // Art 7, in order.
        let art7 = "政策依据、政策服务事项名称、优惠类型、实施期限、实施区域、制定单位、实施单位、公开单位、申报主体、申报条件、申报次数、申报时限、申报地点、申报方式、申报材料、申报流程、部门内部审批流程、部门内部审批时限、兑现时限、兑现层级、兑现方式、兑现内容、兑现限额、竞争性兑现、兑现后资金使用监管、追缴、处罚、政策公示、公示处理、咨询"
        #expect(Element.allCases.map(\.chineseName).joined(separator: "、") == art7)
    }

    @Test func requiredMaterialsFollowArt5AndArt13() {
        #expect(MaterialKind.required(for: .launch).count == 5)
        #expect(MaterialKind.required(for: .adjustment) == [.applicationLetter, .adjustedDocument])
        #expect(MaterialKind.required(for: .withdrawal) == [.applicationLetter, .withdrawalDecision])
        #expect(!CaseKind.allCases.contains { MaterialKind.required(for: $0).contains(.other) })
    }

    @Test func opinionNumberIsWrittenTheOfficialWay() {
        #expect(OpinionNumber(prefix: "长政数标审", year: 2026, sequence: 12).description == "长政数标审〔2026〕12号")
    }
}
