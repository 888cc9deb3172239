import Foundation
import ReviewProtocol
import ReviewRules
import ReviewTesting
import Testing

/// The wording rules of Config/rules/wording.json: each rule's own example sentences, the
/// issue's examples of each kind, normalization, and the exceptions of the rule language.
@Suite struct WordingRulesTests {
    static let rules: [WordingRule] = (try? Fixtures.rules().wording) ?? []

    let linter: StandardizationLinter
    let clean: CaseForm

    init() throws {
        linter = StandardizationLinter(configuration: try Fixtures.rules())
        clean = try Fixtures.example("launch-clean.json")
    }

    /// The wording findings for `text` written as the first item's 兑现内容.
    private func wording(_ text: String, in element: WritableKeyPath<ServiceItem, String?> = \.redemptionContent) -> [Finding] {
        var form = clean
        form.serviceItems[0][keyPath: element] = text
        return linter.check(form).filter { $0.code == .wordingNonstandard }
    }

    private func flagged(_ text: String) -> Bool { !wording(text).isEmpty }

    @Test func thereAreAtLeastSixtyRulesEachWithItsExamples() {
        #expect(Self.rules.count >= 60)
        for rule in Self.rules {
            #expect(!(rule.flags ?? "").isEmpty, "\(rule.phrase) has no sentence to flag")
            #expect(!(rule.passes ?? "").isEmpty, "\(rule.phrase) has no sentence to pass")
            #expect(!rule.suggestion.isEmpty)
        }
    }

    /// Every rule flags its own real-looking sentence (with its own suggestion), and the
    /// sentence beside it, written as the standard asks, passes every rule.
    @Test(arguments: rules)
    func ruleFlagsItsExampleAndPassesItsCounterexample(_ rule: WordingRule) {
        let found = wording(rule.flags ?? "")
        #expect(found.contains { $0.suggestion == rule.suggestion && $0.element == .redemptionContent }, "\(rule.phrase): \(rule.flags ?? "") → \(found.map(\.message))")
        let passed = wording(rule.passes ?? "")
        #expect(passed.isEmpty, "\(rule.phrase): \(rule.passes ?? "") → \(passed.map(\.message))")
    }

    // MARK: 1. Variants, gaps, normalization

    @Test func variantCharactersAndWordsBetweenThePartsAreCaught() {
        #expect(flagged("其它相关证明材料"))
        #expect(flagged("其他相关证明材料"))
        #expect(flagged("其他材料"))
        #expect(flagged("其它材料"))
        #expect(flagged("由相关职能部门审核"))
        #expect(flagged("按有关政策规定实施监管"))
        #expect(flagged("按相关规定执行"))
        #expect(flagged("按规定执行"))
        #expect(flagged("按照国家有关规定执行"))
        // A gap never crosses punctuation: two clauses are not one phrase.
        #expect(!flagged("其他企业参照执行。申报材料见附件"))
    }

    @Test func textIsNormalizedBeforeMatching() {
        #expect(flagged("申报企业原\u{200B}则上应在德惠市注册"))  // zero-width space
        #expect(flagged("申报企业原\u{00AD}则\u{2060}上应在德惠市注册"))  // soft hyphen, word joiner
        #expect(flagged("申报企业原\u{FEFF}则上应在德惠市注册"))  // byte-order mark
        #expect(flagged("申报企业原　则　上应在德惠市注册"))  // ideographic spaces
        #expect(flagged("按\u{2F00}事\u{2F00}议方式确定"))  // Kangxi radical ⼀ for 一
        #expect(flagged("补贴比例为１０％左右"))  // full-width digits and percent
        #expect(flagged("补贴标准:另\u{200D}行通知"))  // zero-width joiner
        let found = wording("申报企业原\u{200B}则上应在德惠市注册")
        #expect(found.first?.message.contains("原\u{200B}则上") == true)  // quoted as written
    }

    // MARK: 2. Vague phrasings

    @Test func vaguePhrasingsFromRealTexts() {
        #expect(flagged("按“一事一议”方式确定支持额度"))
        #expect(flagged("按有关政策规定实施监管"))
        #expect(flagged("单个企业补贴原则上不超过50万元"))
        #expect(flagged("贴息期限一般不超过2年"))
        #expect(flagged("对骗取补贴的行为从严处理"))
        #expect(flagged("用地价格从优确定"))
        #expect(flagged("及时拨付补贴资金"))
        #expect(flagged("尽快拨付补贴资金"))
        #expect(flagged("必要时组织现场核查"))
        #expect(flagged("对研发设备、检测仪器等给予补贴"))
        #expect(flagged("具体补贴标准由德惠市科学技术局另行确定"))
        #expect(flagged("补贴金额以相关部门审核结果为准"))
        #expect(!flagged("补贴金额以德惠市财政局核定的金额为准"))
        #expect(!flagged("获得一等奖、二等奖的项目"))
        #expect(!flagged("面向高等院校、中等职业学校毕业生"))
    }

    @Test func oneFindingPerStretchOfText() {
        // 其他…材料 and 相关…材料 both match; the earlier rule alone reports it.
        #expect(wording("其他相关材料").count == 1)
        #expect(wording("按上一年度研发费用的10%给予补贴,具体办法另行制定").count == 1)
        // Several findings in one text come in reading order, each quoting the text as written.
        let found = wording("按实际缴纳社会保险费的一定比例给予补贴,具体办法另行制定")
        #expect(found.map(\.message) == [
            "【兑现内容】表述“一定比例”不规范:“按实际缴纳社会保险费的一定比例给予补贴,具体办法另行制…”",
            "【兑现内容】表述“另行制定”不规范:“…定比例给予补贴,具体办法另行制定”",
        ])
    }

    // MARK: 3. Exceptions

    @Test func prohibitionsAreNotCatchAlls() {
        #expect(!flagged("不得要求申报主体提交与本事项无关的其他材料"))
        #expect(!flagged("严禁要求企业提供其他证明材料"))
        #expect(!flagged("不再要求企业提交相关证明材料"))
        #expect(!flagged("无需提交其他材料"))
        // The prohibition ends with its clause.
        #expect(flagged("不得拖欠补贴资金,其他材料由企业自备"))
    }

    @Test func quotedTitlesAreNotTheDraftersWording() {
        #expect(!flagged("依照《关于进一步做好稳就业工作的若干措施》执行"))
        #expect(!flagged("依照《〈德惠市支持中小微企业创新发展若干措施〉实施细则》第三条执行"))
        #expect(!flagged("依照《德惠市有关部门权责清单》执行"))
        #expect(flagged("依照《德惠市支持企业发展办法》若干条款执行"))
    }

    @Test func definitionsAreNotTheDraftersWording() {
        #expect(!flagged("本措施所称相关部门,是指德惠市财政局、德惠市科学技术局"))
        #expect(!flagged("相关材料是指申请表、营业执照复印件和专项审计报告"))
        #expect(flagged("本措施所称中小微企业,是指在德惠市注册的企业。相关部门负责审核"))
        #expect(!flagged("相关部门,指德惠市财政局和德惠市科学技术局"))
        #expect(!flagged("德惠市财政局、德惠市科学技术局(以下简称“有关部门”)负责审核"))
    }

    @Test func exceptionsArePartOfTheRuleLanguage() throws {
        let base = try Fixtures.rules()
        func linter(_ rule: WordingRule) -> StandardizationLinter {
            var rules = base
            rules.wording = [rule]
            return StandardizationLinter(configuration: rules)
        }
        func flags(_ linter: StandardizationLinter, _ text: String) -> Bool {
            var form = clean
            form.serviceItems[0].redemptionContent = text
            return linter.check(form).contains { $0.code == .wordingNonstandard }
        }
        let everywhere = linter(WordingRule(phrase: "其[他它]…材料", suggestion: "列明", gap: 6, except: []))
        #expect(flags(everywhere, "不得要求提交其他材料"))
        let defaults = linter(WordingRule(phrase: "其[他它]…材料", suggestion: "列明", gap: 6))
        #expect(!flags(defaults, "不得要求提交其他材料"))
        let ownMarker = linter(WordingRule(phrase: "其[他它]…材料", suggestion: "列明", exceptAfter: ["拒收"]))
        #expect(!flags(ownMarker, "窗口拒收其他材料"))
        #expect(flags(defaults, "窗口拒收其他材料"))
        let narrowGap = linter(WordingRule(phrase: "其[他它]…材料", suggestion: "列明", gap: 1))
        #expect(!flags(narrowGap, "其他相关证明材料"))
        let negated = linter(WordingRule(phrase: "、…[^一二三]等", suggestion: "列明", gap: 6, notFollowedBy: ["级"]))
        #expect(flags(negated, "营业执照、章程等"))
        #expect(!flags(negated, "一等奖、二等奖"))
        #expect(!flags(negated, "一级、甲等级"))
    }

    @Test func aPatternThatDoesNotParseIsRefusedOnLoading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wording-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rules = Fixtures.configDirectory.appendingPathComponent("rules")
        for name in ["vocabularies.json", "divisions.json"] {
            try FileManager.default.copyItem(at: rules.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        for bad in [#"[{"phrase": "其[他它…材料", "suggestion": "x"}]"#, #"[{"phrase": "…材料", "suggestion": "x"}]"#,
                    #"[{"phrase": "材料", "suggestion": "x", "except": ["quote"]}]"#, #"[{"phrase": "材料", "suggestion": "x", "gap": 0}]"#] {
            try Data(bad.utf8).write(to: folder.appendingPathComponent("wording.json"))
            #expect(throws: RulesError.self) { try RulesConfiguration.load(from: folder) }
        }
        try Data(#"[{"phrase": "其[他它]…材料", "suggestion": "x", "gap": 6, "except": ["title"]}]"#.utf8).write(to: folder.appendingPathComponent("wording.json"))
        #expect(try RulesConfiguration.load(from: folder).wording.count == 1)
    }
}
