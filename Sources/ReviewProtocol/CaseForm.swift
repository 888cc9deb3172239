/// The canonical JSON of a review application (审查申请): the policy, its service items
/// with their Art 7 elements, and the manifest of submitted materials (Art 5, Art 13).
///
/// Every element is optional in the type so that an incomplete draft still decodes and the
/// linter can report *all* that is missing in one pass (Art 8: 一次性告知).
public struct CaseForm: Codable, Hashable, Sendable {
    /// Version of this JSON shape; 1 is the only one so far.
    public var formatVersion: Int
    public var policy: Policy
    public var serviceItems: [ServiceItem]
    public var materials: [MaterialRef]
    /// The 上线意见征询 this application carries (its id on the drafter's node): on submission
    /// its generated materials (4) and (5) are attached. Absent when none was held.
    public var consultationId: String? = nil

    public init(formatVersion: Int = 1, policy: Policy, serviceItems: [ServiceItem], materials: [MaterialRef]) {
        self.formatVersion = formatVersion
        self.policy = policy
        self.serviceItems = serviceItems
        self.materials = materials
    }

    /// The only ``formatVersion`` this build reads.
    public static let currentFormatVersion = 1

    enum CodingKeys: String, CodingKey {
        case formatVersion, policy, serviceItems, materials, consultationId
    }

    /// - Throws: `DecodingError.dataCorrupted` at `formatVersion` for any version but 1.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        guard formatVersion == Self.currentFormatVersion else {
            throw DecodingError.dataCorruptedError(forKey: .formatVersion, in: container,
                                                   debugDescription: "formatVersion \(formatVersion) is not supported; only \(Self.currentFormatVersion) exists")
        }
        policy = try container.decode(Policy.self, forKey: .policy)
        serviceItems = try container.decode([ServiceItem].self, forKey: .serviceItems)
        materials = try container.decode([MaterialRef].self, forKey: .materials)
        consultationId = try container.decodeIfPresent(String.self, forKey: .consultationId)
    }

    /// As synthesized, except when the encoder's ``placeholderKey`` holds a string: the form is
    /// then encoded as that string, for the caller to replace with the form's stored canonical
    /// JSON (a node forwarding a case sends the form as it stored it instead of decoding and
    /// encoding it again).
    public func encode(to encoder: any Encoder) throws {
        if let placeholder = encoder.userInfo[Self.placeholderKey] as? String {
            var container = encoder.singleValueContainer()
            try container.encode(placeholder)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(policy, forKey: .policy)
        try container.encode(serviceItems, forKey: .serviceItems)
        try container.encode(materials, forKey: .materials)
        try container.encodeIfPresent(consultationId, forKey: .consultationId)
    }

    /// See ``encode(to:)``.
    public static let placeholderKey = CodingUserInfoKey(rawValue: "policy-review.caseFormPlaceholder")!

    /// A form that is never encoded: it stands in a payload whose form is written from stored
    /// canonical JSON (see ``encode(to:)``). Empty, so that using it by mistake shows.
    public static let standIn = CaseForm(policy: Policy(title: nil, draftingUnit: nil, divisionCode: nil, level: .county, kind: .launch),
                                         serviceItems: [], materials: [])
}

/// Which tier's policy this is (Art 8): the city's own (Art 8.1) or a county's (Art 8.2).
public enum PolicyLevel: String, Codable, CaseIterable, Sendable {
    /// 市政府及所属部门制定: reviewed by the city alone.
    case city
    /// 县(市)区、开发区制定: preliminary review at the county, final review at the city.
    case county
}

/// What the application asks for: a new policy (Art 5–10), or an adjustment or
/// withdrawal of one already online (Art 13).
public enum CaseKind: String, Codable, CaseIterable, Sendable {
    case launch
    case adjustment
    case withdrawal

    public var chineseName: String {
        switch self {
        case .launch: "上线审查"
        case .adjustment: "调整审查"
        case .withdrawal: "下线申请"
        }
    }
}

/// The policy document under review.
public struct Policy: Codable, Hashable, Sendable {
    /// Document title, e.g. 德惠市支持中小企业发展若干措施.
    public var title: String?
    /// 文号 such as 德府办发〔2022〕31号; a draft may not have one yet.
    public var documentNumber: String?
    /// The drafting department (政策制定部门), e.g. 德惠市财政局.
    public var draftingUnit: String?
    /// GB/T 2260 code of the jurisdiction whose government or department made the policy.
    public var divisionCode: String?
    public var level: PolicyLevel
    public var kind: CaseKind
    /// For adjustment and withdrawal: the date the change takes effect (Art 13), YYYY-MM-DD.
    public var effectiveDate: String?
    /// For adjustment and withdrawal: the case under which the policy was launched (or last
    /// adjusted), e.g. 220183-2026-0001, so that the ledger shows the policy's whole life.
    public var originalCaseId: String? = nil

    public init(
        title: String?, documentNumber: String? = nil, draftingUnit: String?, divisionCode: String?,
        level: PolicyLevel, kind: CaseKind, effectiveDate: String? = nil
    ) {
        self.title = title
        self.documentNumber = documentNumber
        self.draftingUnit = draftingUnit
        self.divisionCode = divisionCode
        self.level = level
        self.kind = kind
        self.effectiveDate = effectiveDate
    }
}
