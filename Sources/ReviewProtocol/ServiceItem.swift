/// One policy service item (政策服务事项) with its 30 Art 7 elements. Property names are
/// the stable keys of ``Element``. Dates are kept as the drafter wrote them (`YYYY-MM-DD`
/// expected) so that a malformed one is a finding, not a decoding failure.
public struct ServiceItem: Codable, Hashable, Sendable {
    // 文本信息
    /// 政策依据: the documents and articles the item rests on.
    public var policyBasis: String?
    public var itemName: String?
    /// 优惠类型, from the controlled vocabulary.
    public var benefitType: String?
    /// 实施期限.
    public var validity: DateSpan?
    /// 实施区域: GB/T 2260 division codes.
    public var region: [String]?
    public var draftingUnit: String?
    public var implementingUnit: String?
    public var publishingUnit: String?
    /// 申报主体, each from the controlled vocabulary.
    public var applicantTypes: [String]?
    // 申请办理
    /// 申报条件, one condition per entry.
    public var conditions: [String]?
    public var applicationCount: ApplicationCount?
    /// 申报时限: the window in which applications are taken.
    public var applicationWindow: DateSpan?
    public var applicationPlace: String?
    /// 申报方式, each from the controlled vocabulary (免申即享 included).
    public var applicationMethods: [String]?
    public var applicationMaterials: [RequiredMaterial]?
    public var applicationSteps: [String]?
    public var internalApprovalSteps: [String]?
    /// 部门内部审批时限, in working days.
    public var internalApprovalDays: Int?
    // 兑现实施
    /// 兑现时限, in working days from approval.
    public var redemptionDays: Int?
    public var redemptionLevel: String?
    public var redemptionMethods: [String]?
    public var redemptionContent: String?
    public var redemptionCap: RedemptionCap?
    public var competitive: Competition?
    // 监管咨询
    public var fundSupervision: String?
    public var recovery: String?
    public var penalty: String?
    public var publicity: Publicity?
    public var publicityHandling: String?
    public var consultation: [Contact]?

    public init() {}
}

/// A span of dates as written in the form, both ends inclusive.
public struct DateSpan: Codable, Hashable, Sendable {
    public var start: String?
    public var end: String?

    public init(start: String?, end: String?) {
        self.start = start
        self.end = end
    }
}

/// 申报次数: how often one applicant may apply.
public struct ApplicationCount: Codable, Hashable, Sendable {
    /// From the `applicationPeriods` vocabulary, e.g. 每年, 政策期内, 不限次数.
    public var period: String?
    /// How many times per period; absent when the period is 不限次数.
    public var times: Int?

    public init(period: String?, times: Int?) {
        self.period = period
        self.times = times
    }
}

/// One entry of 申报材料.
public struct RequiredMaterial: Codable, Hashable, Sendable {
    public var name: String?
    /// 原件, 复印件, 电子件 …
    public var form: String?
    public var copies: Int?

    public init(name: String?, form: String? = nil, copies: Int? = nil) {
        self.name = name
        self.form = form
        self.copies = copies
    }
}

/// An amount of money with its unit, which must be 元 or 万元.
public struct MoneyAmount: Codable, Hashable, Sendable {
    public var value: Double?
    public var unit: String?

    public init(value: Double?, unit: String?) {
        self.value = value
        self.unit = unit
    }
}

/// 兑现限额: either a cap, or the reason there is none (a non-monetary benefit).
public struct RedemptionCap: Codable, Hashable, Sendable {
    /// The most one applicant can receive.
    public var amount: MoneyAmount?
    /// Why no cap applies, e.g. 非资金类政策,不设兑现限额.
    public var notApplicable: String?

    public init(amount: MoneyAmount? = nil, notApplicable: String? = nil) {
        self.amount = amount
        self.notApplicable = notApplicable
    }
}

/// 竞争性兑现: whether applicants compete for a limited budget, and how they are selected.
public struct Competition: Codable, Hashable, Sendable {
    public var isCompetitive: Bool?
    public var selectionMethod: String?

    public init(isCompetitive: Bool?, selectionMethod: String? = nil) {
        self.isCompetitive = isCompetitive
        self.selectionMethod = selectionMethod
    }
}

/// 政策公示: where the list of beneficiaries is published and for how many working days.
public struct Publicity: Codable, Hashable, Sendable {
    public var channel: String?
    public var days: Int?

    public init(channel: String?, days: Int?) {
        self.channel = channel
        self.days = days
    }
}

/// A 咨询 contact: the answering unit and its phone number.
public struct Contact: Codable, Hashable, Sendable {
    public var unit: String?
    public var phone: String?

    public init(unit: String?, phone: String?) {
        self.unit = unit
        self.phone = phone
    }
}
