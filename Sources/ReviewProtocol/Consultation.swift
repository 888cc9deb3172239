/// 上线意见征询 (德府办发〔2022〕31号 二.(一).2, 二.(二).1): before a policy goes online its drafter
/// asks 司法局, 财政局, 市场监管局, 发改局, 政数局 for an opinion; the record becomes Art 5 materials
/// (4) and (5).

/// What a consulted department answers.
public enum ConsultationAnswer: String, Codable, CaseIterable, Sendable {
    /// 同意.
    case agree
    /// 修改后同意: with the changes it wants, element by element where it can.
    case agreeWithChanges
    /// 不同意: with reasons; blocks submission until resolved or overridden.
    case disagree

    public var chineseName: String {
        switch self {
        case .agree: "同意"
        case .agreeWithChanges: "修改后同意"
        case .disagree: "不同意"
        }
    }
}

/// What a department is asked for: a general opinion, or one of the typed answers of Art 5(5).
public enum ConsultationTopic: String, Codable, CaseIterable, Sendable {
    /// 一般意见 (material (4)).
    case general
    /// 公平竞争审查, by 市场监管局 (material (5)).
    case fairCompetition
    /// 财政资金安排意见, by 财政局 (material (5)).
    case funding

    public var chineseName: String {
        switch self {
        case .general: "征求意见"
        case .fairCompetition: "公平竞争审查"
        case .funding: "财政资金安排意见"
        }
    }
}

/// The conclusion of a 公平竞争审查.
public enum FairCompetitionConclusion: String, Codable, CaseIterable, Sendable {
    /// 不含排除、限制竞争内容.
    case noRestriction
    /// 含有排除、限制竞争内容,应予修改.
    case restrictsCompetition
    /// 含有排除、限制竞争内容,但符合例外规定.
    case exceptionApplies

    public var chineseName: String {
        switch self {
        case .noRestriction: "不含排除、限制竞争内容"
        case .restrictsCompetition: "含有排除、限制竞争内容,应予修改"
        case .exceptionApplies: "含有排除、限制竞争内容,但符合例外规定"
        }
    }
}

/// 公平竞争审查 as 市场监管局 answers it.
public struct FairCompetitionReview: Codable, Hashable, Sendable {
    public var conclusion: FairCompetitionConclusion
    /// The basis (审查依据), e.g. 《公平竞争审查制度实施细则》第十三条.
    public var basis: String

    public init(conclusion: FairCompetitionConclusion, basis: String) {
        self.conclusion = conclusion
        self.basis = basis
    }
}

/// 财政资金安排意见 as 财政局 answers it.
public struct FundingOpinion: Codable, Hashable, Sendable {
    /// The conclusion in words, e.g. 同意从本级财政预算中安排.
    public var conclusion: String
    public var basis: String
    /// 资金来源, e.g. 市本级财政预算; nil when the policy spends no money.
    public var source: String?
    /// 资金额度 with its unit 元 or 万元, e.g. "500万元"; nil when not relevant.
    public var amount: String?

    public init(conclusion: String, basis: String, source: String?, amount: String?) {
        self.conclusion = conclusion
        self.basis = basis
        self.source = source
        self.amount = amount
    }

    /// Whether `text` is an amount the way the form takes it: digits (optionally with decimals)
    /// followed by 元 or 万元.
    public static func isValidAmount(_ text: String) -> Bool {
        let unitless: Substring
        if text.hasSuffix("万元") { unitless = text.dropLast(2) } else if text.hasSuffix("元") { unitless = text.dropLast(1) } else { return false }
        let parts = unitless.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return false }
        // At most 12 whole digits (a trillion 元 or 万元) and 4 decimals: anything longer is a typing error.
        return parts[0].count <= 12 && (parts.count == 1 || parts[1].count <= 4)
    }
}

/// One consulted department's request and its answer as the record keeps it.
public struct ConsultedDepartment: Codable, Hashable, Sendable {
    public var department: String
    public var topic: ConsultationTopic
    public var askedOn: CivilDate
    /// The answer's deadline: `askedOn` plus the node's consultation working days.
    public var dueOn: CivilDate
    public var answer: ConsultationAnswer?
    public var answeredOn: CivilDate?
    /// Who answered, by name.
    public var answeredBy: String?
    /// 修改后同意: the changes it wants (element by element where it can).
    public var changes: [RequiredChange]?
    /// 不同意 (or remarks with any answer): the reasons.
    public var reasons: String?
    public var fairCompetition: FairCompetitionReview?
    public var funding: FundingOpinion?
    /// A file the department attached, kept byte-exact.
    public var attachment: MaterialRef?
    /// How the drafter responded to this answer (采纳情况).
    public var drafterResponse: String?

    public init(department: String, topic: ConsultationTopic, askedOn: CivilDate, dueOn: CivilDate) {
        self.department = department
        self.topic = topic
        self.askedOn = askedOn
        self.dueOn = dueOn
    }

    /// Answered after its deadline (or, unanswered, past it on `today`).
    public func isOverdue(today: CivilDate) -> Bool {
        if let answeredOn { return answeredOn > dueOn }
        return today > dueOn
    }
}

/// The whole consultation as it travels with the case: who was asked, when, what each
/// answered, how the drafter responded, and the generated materials (4) and (5).
public struct ConsultationSummary: Codable, Hashable, Sendable {
    /// The consultation's number on the drafter's node, e.g. 220183-ZX-2026-0001.
    public var id: String
    public var draftingUnit: String
    public var policyTitle: String
    public var openedOn: CivilDate
    public var departments: [ConsultedDepartment]
    /// The drafter's recorded reason for submitting despite a 不同意 (nil when none was needed).
    public var overrideReason: String?
    /// Lower-case hex SHA-256 of the generated material (4) and (5) pages.
    public var recordSha256: String?
    public var opinionsSha256: String?

    public init(id: String, draftingUnit: String, policyTitle: String, openedOn: CivilDate, departments: [ConsultedDepartment]) {
        self.id = id
        self.draftingUnit = draftingUnit
        self.policyTitle = policyTitle
        self.openedOn = openedOn
        self.departments = departments
    }

    /// Every department has answered.
    public var isComplete: Bool { departments.allSatisfy { $0.answer != nil } }

    /// Departments whose 不同意 is neither resolved (the drafter recorded a response) nor overridden.
    public var unresolvedDisagreements: [String] {
        guard overrideReason == nil else { return [] }
        return departments.filter { $0.answer == .disagree && ($0.drafterResponse ?? "").isEmpty }.map(\.department)
    }
}

/// Art 6: the form of an expert session.
public enum ExpertSessionForm: String, Codable, CaseIterable, Sendable {
    /// 座谈会.
    case symposium
    /// 论证会.
    case hearing

    public var chineseName: String {
        switch self {
        case .symposium: "座谈会"
        case .hearing: "论证会"
        }
    }
}

/// Art 6: the field a participant comes from.
public enum ParticipantField: String, Codable, CaseIterable, Sendable {
    /// 政策起草.
    case drafting
    /// 行政审批.
    case administrativeApproval
    /// 信息技术.
    case informationTechnology
    /// 专家.
    case expert

    public var chineseName: String {
        switch self {
        case .drafting: "政策起草"
        case .administrativeApproval: "行政审批"
        case .informationTechnology: "信息技术"
        case .expert: "专家"
        }
    }
}

/// One participant of an expert session.
public struct SessionParticipant: Codable, Hashable, Sendable {
    public var name: String
    public var unit: String
    public var field: ParticipantField

    public init(name: String, unit: String, field: ParticipantField) {
        self.name = name
        self.unit = unit
        self.field = field
    }
}

/// Art 6: a 座谈会 or 论证会 a reviewer convened on a case. It does not stop the Art 8 clock.
public struct ExpertSession: Codable, Hashable, Sendable {
    /// Per case, from 1, in the order recorded (county sessions first on a forwarded case).
    public var number: Int
    public var tier: Tier
    public var form: ExpertSessionForm
    public var heldOn: CivilDate
    public var participants: [SessionParticipant]
    public var minutes: String
    public var conclusions: String
    /// Files kept byte-exact with the case's materials.
    public var attachments: [MaterialRef]
    public var recordedBy: String
    public var recordedOn: CivilDate

    public init(number: Int, tier: Tier, form: ExpertSessionForm, heldOn: CivilDate, participants: [SessionParticipant], minutes: String,
                conclusions: String, attachments: [MaterialRef], recordedBy: String, recordedOn: CivilDate) {
        self.number = number
        self.tier = tier
        self.form = form
        self.heldOn = heldOn
        self.participants = participants
        self.minutes = minutes
        self.conclusions = conclusions
        self.attachments = attachments
        self.recordedBy = recordedBy
        self.recordedOn = recordedOn
    }

    /// The line an opinion cites in its basis, e.g. 2026年12月3日论证会(县级,5人参加)结论:…
    public var citation: String {
        "\(heldOn.year)年\(heldOn.month)月\(heldOn.day)日\(tier == .county ? "县级" : "市级")\(form.chineseName)(\(participants.count)人参加)结论:\(conclusions)"
    }
}
