import ReviewProtocol
import ReviewRules
import ReviewTesting
import Testing

/// Each rule is shown by changing one thing in the clean example and expecting exactly the
/// findings that change causes, no more.
@Suite struct StandardizationLinterTests {
    let linter: StandardizationLinter
    let clean: CaseForm

    init() throws {
        linter = StandardizationLinter(configuration: try Fixtures.rules())
        clean = try Fixtures.example("launch-clean.json")
    }

    private func findings(_ change: (inout CaseForm) -> Void) -> [Finding] {
        var form = clean
        change(&form)
        return linter.check(form)
    }

    private func codes(_ change: (inout CaseForm) -> Void) -> [FindingCode] {
        findings(change).map(\.code)
    }

    @Test func cleanExamplesHaveNoFindings() throws {
        #expect(linter.check(clean).isEmpty)
        #expect(linter.check(try Fixtures.example("withdrawal-clean.json")).isEmpty)
    }

    @Test func defectiveExampleReportsEveryDefectInOnePass() throws {
        let found = linter.check(try Fixtures.example("launch-defective.json"))
        let expected: [FindingCode: Int] = [
            .documentNumberFormat: 1, .materialMissing: 2, .vocabularyUnknown: 1, .dateRangeReversed: 1,
            .dateInvalid: 1, .divisionUnknown: 1, .wordingNonstandard: 5, .elementIncomplete: 1,
            .approvalExceedsRedemption: 1, .amountUnitInvalid: 1, .selectionMethodMissing: 1, .elementMissing: 1,
            .phoneInvalid: 1, .noApplicationConflict: 1, .capMissingForMonetary: 1, .windowOutsideValidity: 1,
            .workdaysNotPositive: 1, .regionOutsideJurisdiction: 1,
        ]
        #expect(Dictionary(grouping: found, by: \.code).mapValues(\.count) == expected)
        #expect(expected.count >= 12)
        // Every finding has a Chinese message and a location.
        for finding in found {
            #expect(!finding.path.isEmpty)
            #expect(finding.message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
        }
        #expect(found.first { $0.code == .elementMissing }?.element == .publicityHandling)
        #expect(found.first { $0.code == .elementMissing }?.itemIndex == 0)
    }

    @Test(arguments: Element.allCases)
    func everyElementIsRequired(_ element: Element) {
        let found = findings { ServiceItemEditing.clear(element, in: &$0.serviceItems[0]) }
        // Item 0 is a 资金补贴: without its cap it also lacks the amount a monetary benefit needs.
        #expect(found.map(\.code) == (element == .redemptionCap ? [.elementMissing, .capMissingForMonetary] : [.elementMissing]))
        #expect(found.first?.element == element)
        #expect(found.first?.path == "serviceItems[0].\(element.rawValue)")
    }

    @Test func blankTextCountsAsMissing() {
        #expect(codes { $0.serviceItems[0].applicationPlace = "   " } == [.elementMissing])
        #expect(codes { $0.serviceItems[0].conditions = ["", " "] } == [.elementMissing])
        #expect(codes { $0.serviceItems[0].consultation = [] } == [.elementMissing])
    }

    @Test func datesMustParseAndBeOrdered() {
        #expect(codes { $0.serviceItems[0].validity?.start = "2026-02-30" } == [.dateInvalid])
        #expect(codes { $0.serviceItems[0].validity?.end = "2028年12月31日" } == [.dateInvalid])
        #expect(codes { $0.serviceItems[0].validity = DateSpan(start: "2028-12-31", end: "2026-01-01") } == [.dateRangeReversed])
        #expect(codes { $0.serviceItems[1].applicationWindow = DateSpan(start: "2028-12-31", end: "2026-01-01") } == [.dateRangeReversed])
        #expect(codes { $0.serviceItems[0].validity?.end = nil } == [.elementIncomplete])
    }

    @Test func workingDayCountsMustBePositive() {
        #expect(codes { $0.serviceItems[0].internalApprovalDays = 0 } == [.workdaysNotPositive])
        #expect(codes { $0.serviceItems[0].redemptionDays = -5 } == [.workdaysNotPositive])
        #expect(codes { $0.serviceItems[0].publicity?.days = 0 } == [.workdaysNotPositive])
        #expect(codes { $0.serviceItems[0].publicity?.days = nil } == [.elementIncomplete])
    }

    @Test func countsMustBePositiveAndConsistent() {
        #expect(codes { $0.serviceItems[0].applicationCount?.times = 0 } == [.countNotPositive])
        #expect(codes { $0.serviceItems[0].applicationMaterials?[0].copies = 0 } == [.countNotPositive])
        #expect(codes { $0.serviceItems[0].applicationCount = ApplicationCount(period: "不限次数", times: 2) } == [.applicationCountInconsistent])
        #expect(codes { $0.serviceItems[0].applicationCount = ApplicationCount(period: "不限次数", times: nil) } == [])
        #expect(codes { $0.serviceItems[0].applicationCount = ApplicationCount(period: "每年", times: nil) } == [.elementIncomplete])
        #expect(codes { $0.serviceItems[0].applicationCount = ApplicationCount(period: nil, times: 1) } == [.elementIncomplete])
        #expect(codes { $0.serviceItems[0].applicationMaterials?[1].name = "" } == [.elementIncomplete])
    }

    @Test func amountsNeedAPositiveValueAndAUnitOfYuanOrWanYuan() {
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: 0, unit: "万元")) } == [.amountInvalid])
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: nil, unit: "万元")) } == [.amountInvalid])
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: 5, unit: "美元")) } == [.amountUnitInvalid])
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: 5, unit: nil)) } == [.amountUnitInvalid])
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(amount: MoneyAmount(value: 5000, unit: "元")) } == [])
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap() } == [.elementIncomplete, .capMissingForMonetary])
        #expect(codes {
            $0.serviceItems[0].benefitType = "资格认定"
            $0.serviceItems[0].redemptionCap = RedemptionCap()
        } == [.elementIncomplete])
    }

    @Test func divisionCodesMustBeKnown() {
        #expect(codes { $0.serviceItems[0].region = ["999999"] } == [.divisionUnknown])
        #expect(codes { $0.serviceItems[0].region = ["德惠市"] } == [.divisionUnknown])
    }

    @Test func phoneNumbersMustBeValid() {
        #expect(codes { $0.serviceItems[0].consultation?[0].phone = "0431-123" } == [.phoneInvalid])
        for wrong in ["0123-87221234", "0431-08776655", "026-87221234", "010-8722123", "12399-1", "400-888-666", "1390431888"] {
            #expect(codes { $0.serviceItems[0].consultation?[0].phone = wrong } == [.phoneInvalid], "\(wrong)")
        }
        #expect(findings { $0.serviceItems[0].consultation?[0].phone = "0123-87221234" }.first?.message.contains("区号“0123”不存在") == true)
        #expect(findings { $0.serviceItems[0].consultation?[0].phone = "0431-87221234、8722123" }.first?.message.contains("缺少区号") == true)
        #expect(codes { $0.serviceItems[0].consultation?[0].phone = nil } == [.elementIncomplete])
        #expect(codes { $0.serviceItems[0].consultation?[0].unit = " " } == [.elementIncomplete])
    }

    /// Valid numbers in another grouping: a formatting finding whose suggestion is the canonical form.
    @Test(arguments: [
        ("4008-123-456", "400-812-3456"), ("8008-208-820", "800-820-8820"), ("400 888 6666", "400-888-6666"),
        ("4008886666", "400-888-6666"), ("0431 87221234", "0431-87221234"), ("（0431）87221234", "0431-87221234"),
        ("(0431)8722-1234", "0431-87221234"), ("0431－87221234", "0431-87221234"), ("043187221234", "0431-87221234"),
        ("139 0431 8888", "13904318888"), ("0431-87221234 转 123", "0431-87221234转123"),
        ("0431 87221234、400 888 6666", "0431-87221234、400-888-6666"),
    ])
    func validNumbersInOtherGroupingsGetTheirCanonicalForm(_ written: String, _ canonical: String) {
        let found = findings { $0.serviceItems[0].consultation?[0].phone = written }
        #expect(found.map(\.code) == [.phoneFormat])
        #expect(found.first?.suggestion == canonical)
        #expect(found.first?.path == "serviceItems[0].consultation[0].phone")
    }

    @Test(arguments: ["0431-87221234", "400-888-6666", "800-820-8820", "13904318888", "12345", "12315", "0431-87221234转123",
                      "0431-87221234-123", "0431-87221234、12345", "0431-87221234，13904318888", "0431-87221234;12345",
                      "0431-87221234或13904318888", "0431-12345"])
    func canonicalNumbersPassClean(_ phone: String) {
        #expect(codes { $0.serviceItems[0].consultation?[0].phone = phone } == [])
    }

    @Test func controlledVocabularies() {
        #expect(codes { $0.serviceItems[0].benefitType = "现金" } == [.vocabularyUnknown])
        #expect(codes { $0.serviceItems[0].applicantTypes = ["企业", "法人"] } == [.vocabularyUnknown])
        #expect(codes { $0.serviceItems[0].applicationMethods = ["网上申报", "电话申报"] } == [.vocabularyUnknown])
        #expect(codes { $0.serviceItems[0].redemptionLevel = "乡镇级" } == [.vocabularyUnknown])
        #expect(codes { $0.serviceItems[0].redemptionMethods = ["现金发放"] } == [.vocabularyUnknown])
        #expect(codes { $0.serviceItems[0].applicationCount?.period = "每两年" } == [.vocabularyUnknown])
        let found = findings { $0.serviceItems[0].applicantTypes = ["企业", "法人"] }
        #expect(found.first?.path == "serviceItems[0].applicantTypes[1]")
        #expect(found.first?.suggestion?.contains("个体工商户") == true)
    }

    // Each wording rule's own examples, and the exceptions: WordingRulesTests.

    @Test func wordingIsCheckedInListsAndNestedText() {
        #expect(findings { $0.serviceItems[0].applicationSteps?[2] = "有关部门审核" }.map(\.path) == ["serviceItems[0].applicationSteps[2]"])
        #expect(findings { $0.serviceItems[0].applicationMaterials?[0].name = "申请表等材料" }.map(\.path) == ["serviceItems[0].applicationMaterials[0].name"])
        #expect(codes { $0.serviceItems[0].fundSupervision = "适时开展抽查,必要时现场核查" } == [.wordingNonstandard, .wordingNonstandard])
    }

    @Test func titlesInBookMarksAreNotTheDraftersWording() {
        #expect(codes { $0.serviceItems[0].policyBasis = "《德惠市关于支持企业发展的若干措施》第三条" } == [])
        #expect(codes { $0.serviceItems[0].policyBasis = "《德惠市支持企业发展办法》若干条款" } == [.wordingNonstandard])
    }

    @Test func internalApprovalMustFitInsideRedemption() {
        #expect(codes { $0.serviceItems[0].internalApprovalDays = 21 } == [.approvalExceedsRedemption])
        #expect(codes { $0.serviceItems[0].internalApprovalDays = 20 } == [])
    }

    @Test func applicationWindowMustLieInsideValidity() {
        #expect(codes { $0.serviceItems[0].applicationWindow = DateSpan(start: "2025-12-31", end: "2026-04-30") } == [.windowOutsideValidity])
        #expect(codes { $0.serviceItems[0].applicationWindow = DateSpan(start: "2026-03-02", end: "2029-01-01") } == [.windowOutsideValidity])
        #expect(codes { $0.serviceItems[0].applicationWindow = DateSpan(start: "2026-01-01", end: "2028-12-31") } == [])
    }

    @Test func monetaryBenefitsNeedACap() {
        #expect(codes { $0.serviceItems[0].redemptionCap = RedemptionCap(notApplicable: "不设限额") } == [.capMissingForMonetary])
        // Absent altogether: missing, and a monetary benefit without its cap.
        for benefit in ["资金补贴", "资金奖励", "贷款贴息"] {
            let found = findings {
                $0.serviceItems[0].benefitType = benefit
                $0.serviceItems[0].redemptionCap = nil
            }
            #expect(found.map(\.code) == [.elementMissing, .capMissingForMonetary], "\(benefit)")
            #expect(found.allSatisfy { $0.path == "serviceItems[0].redemptionCap" })
        }
        #expect(codes {
            $0.serviceItems[0].benefitType = "资格认定"
            $0.serviceItems[0].redemptionCap = nil
        } == [.elementMissing])
        #expect(codes {
            $0.serviceItems[0].benefitType = "资格认定"
            $0.serviceItems[0].redemptionCap = RedemptionCap(notApplicable: "非资金类政策,不涉及资金")
        } == [])
    }

    @Test func competitiveRedemptionNeedsASelectionMethod() {
        #expect(codes { $0.serviceItems[0].competitive = Competition(isCompetitive: true) } == [.selectionMethodMissing])
        #expect(codes { $0.serviceItems[0].competitive = Competition(isCompetitive: true, selectionMethod: "专家评审,按得分由高到低择优支持,每年不超过20家") } == [])
        #expect(codes { $0.serviceItems[0].competitive = Competition(isCompetitive: nil) } == [.elementIncomplete])
    }

    @Test func noApplicationMeansNoApplication() {
        #expect(codes { $0.serviceItems[1].applicationMethods = ["免申即享", "窗口申报"] } == [.noApplicationConflict])
        #expect(codes { $0.serviceItems[1].applicationMaterials = [RequiredMaterial(name: "营业执照")] } == [.noApplicationConflict])
    }

    @Test func regionMustBeWithinTheDraftersJurisdiction() {
        #expect(codes { $0.serviceItems[0].region = ["220100"] } == [.regionOutsideJurisdiction])
        #expect(codes { $0.serviceItems[0].region = ["220183", "220184"] } == [.regionOutsideJurisdiction])
        // A city policy may apply anywhere in the city.
        #expect(codes {
            $0.policy.divisionCode = "220100"
            $0.policy.level = .city
            $0.serviceItems[0].region = ["220100", "220183"]
        } == [])
    }

    @Test func policyFields() {
        #expect(codes { $0.policy.title = nil } == [.policyFieldMissing])
        #expect(codes { $0.policy.draftingUnit = " " } == [.policyFieldMissing])
        #expect(codes { $0.policy.divisionCode = nil } == [.policyFieldMissing])
        #expect(codes { $0.policy.divisionCode = "110101" } == [.policyDivisionUnknown])
        #expect(codes { $0.policy.level = .city } == [.policyLevelMismatch])
        #expect(codes { $0.policy.documentNumber = "德府办发(2026)3号" } == [.documentNumberFormat])
        #expect(codes { $0.policy.documentNumber = "德府办发〔26〕3号" } == [.documentNumberFormat])
        #expect(codes { $0.policy.documentNumber = nil } == [])
        #expect(codes { $0.serviceItems = [] } == [.itemsMissing])
        #expect(codes { $0.serviceItems[1].itemName = $0.serviceItems[0].itemName } == [.itemNameDuplicate])
    }

    @Test func adjustmentNeedsItsEffectiveDateAndArt13Materials() {
        let found = codes {
            $0.policy.kind = .adjustment
            $0.policy.effectiveDate = "2026-13-01"
        }
        // The launch materials other than the letter are not the Art 13 ones: the adjusted
        // document is missing.
        #expect(found == [.effectiveDateInvalid, .materialMissing])
        #expect(codes {
            $0.policy.kind = .adjustment
            $0.policy.effectiveDate = "2026-06-01"
            $0.materials.append(MaterialRef(kind: .adjustedDocument, title: "调整后的政策文件及调整说明", fileName: "a.pdf", sha256: String(repeating: "ab", count: 32), bytes: 10))
        } == [])
    }

    @Test func materialsAreAllListedAtOnce() {
        let found = findings { $0.materials = [] }
        #expect(found.map(\.code) == Array(repeating: .materialMissing, count: 5))
        #expect(found.map(\.message).joined().contains("公平性竞争审查、财政资金安排意见"))
        #expect(MaterialsCheck.missing(kind: .withdrawal, materials: []) == [.applicationLetter, .withdrawalDecision])
        #expect(codes { $0.materials[0].sha256 = "xyz" } == [.materialDigestInvalid])
        #expect(codes { $0.materials[0].sha256 = String(repeating: "A", count: 64) } == [.materialDigestInvalid])
    }

    @Test func withdrawalSkipsElementReview() throws {
        var form = try Fixtures.example("withdrawal-clean.json")
        form.serviceItems = [ServiceItem()]
        #expect(linter.check(form).isEmpty)
        form.policy.effectiveDate = nil
        form.materials.removeLast()
        #expect(linter.check(form).map(\.code) == [.effectiveDateInvalid, .materialMissing])
    }
}

/// Clears one element of an item, for the presence tests.
enum ServiceItemEditing {
    static func clear(_ element: Element, in item: inout ServiceItem) {
        switch element {
        case .policyBasis: item.policyBasis = nil
        case .itemName: item.itemName = nil
        case .benefitType: item.benefitType = nil
        case .validity: item.validity = nil
        case .region: item.region = nil
        case .draftingUnit: item.draftingUnit = nil
        case .implementingUnit: item.implementingUnit = nil
        case .publishingUnit: item.publishingUnit = nil
        case .applicantTypes: item.applicantTypes = []
        case .conditions: item.conditions = nil
        case .applicationCount: item.applicationCount = nil
        case .applicationWindow: item.applicationWindow = nil
        case .applicationPlace: item.applicationPlace = ""
        case .applicationMethods: item.applicationMethods = nil
        case .applicationMaterials: item.applicationMaterials = nil
        case .applicationSteps: item.applicationSteps = nil
        case .internalApprovalSteps: item.internalApprovalSteps = nil
        case .internalApprovalDays: item.internalApprovalDays = nil
        case .redemptionDays: item.redemptionDays = nil
        case .redemptionLevel: item.redemptionLevel = nil
        case .redemptionMethods: item.redemptionMethods = nil
        case .redemptionContent: item.redemptionContent = nil
        case .redemptionCap: item.redemptionCap = nil
        case .competitive: item.competitive = nil
        case .fundSupervision: item.fundSupervision = nil
        case .recovery: item.recovery = nil
        case .penalty: item.penalty = nil
        case .publicity: item.publicity = nil
        case .publicityHandling: item.publicityHandling = nil
        case .consultation: item.consultation = nil
        }
    }
}
