/// The four groups of Art 7.
public enum ElementGroup: String, CaseIterable, Codable, Sendable {
    case textual = "text"
    case application
    case redemption
    case supervision

    /// The group's name as Art 7 writes it.
    public var chineseName: String {
        switch self {
        case .textual: "文本信息"
        case .application: "申请办理"
        case .redemption: "兑现实施"
        case .supervision: "监管咨询"
        }
    }
}

/// The 30 service-item elements of Art 7, in the regulation's order. The raw value is the
/// element's stable key in the element-form JSON and in findings.
public enum Element: String, CaseIterable, Codable, Sendable {
    // 文本信息
    case policyBasis
    case itemName
    case benefitType
    case validity
    case region
    case draftingUnit
    case implementingUnit
    case publishingUnit
    case applicantTypes
    // 申请办理
    case conditions
    case applicationCount
    case applicationWindow
    case applicationPlace
    case applicationMethods
    case applicationMaterials
    case applicationSteps
    case internalApprovalSteps
    case internalApprovalDays
    // 兑现实施
    case redemptionDays
    case redemptionLevel
    case redemptionMethods
    case redemptionContent
    case redemptionCap
    case competitive
    // 监管咨询
    case fundSupervision
    case recovery
    case penalty
    case publicity
    case publicityHandling
    case consultation

    /// The element's name as Art 7 writes it.
    public var chineseName: String {
        switch self {
        case .policyBasis: "政策依据"
        case .itemName: "政策服务事项名称"
        case .benefitType: "优惠类型"
        case .validity: "实施期限"
        case .region: "实施区域"
        case .draftingUnit: "制定单位"
        case .implementingUnit: "实施单位"
        case .publishingUnit: "公开单位"
        case .applicantTypes: "申报主体"
        case .conditions: "申报条件"
        case .applicationCount: "申报次数"
        case .applicationWindow: "申报时限"
        case .applicationPlace: "申报地点"
        case .applicationMethods: "申报方式"
        case .applicationMaterials: "申报材料"
        case .applicationSteps: "申报流程"
        case .internalApprovalSteps: "部门内部审批流程"
        case .internalApprovalDays: "部门内部审批时限"
        case .redemptionDays: "兑现时限"
        case .redemptionLevel: "兑现层级"
        case .redemptionMethods: "兑现方式"
        case .redemptionContent: "兑现内容"
        case .redemptionCap: "兑现限额"
        case .competitive: "竞争性兑现"
        case .fundSupervision: "兑现后资金使用监管"
        case .recovery: "追缴"
        case .penalty: "处罚"
        case .publicity: "政策公示"
        case .publicityHandling: "公示处理"
        case .consultation: "咨询"
        }
    }

    /// The Art 7 group the element belongs to.
    public var group: ElementGroup {
        switch self {
        case .policyBasis, .itemName, .benefitType, .validity, .region, .draftingUnit,
             .implementingUnit, .publishingUnit, .applicantTypes:
            .textual
        case .conditions, .applicationCount, .applicationWindow, .applicationPlace,
             .applicationMethods, .applicationMaterials, .applicationSteps,
             .internalApprovalSteps, .internalApprovalDays:
            .application
        case .redemptionDays, .redemptionLevel, .redemptionMethods, .redemptionContent,
             .redemptionCap, .competitive:
            .redemption
        case .fundSupervision, .recovery, .penalty, .publicity, .publicityHandling, .consultation:
            .supervision
        }
    }
}
