/// The kinds of material an application carries (Art 5 for launch, Art 13 for adjustment
/// and withdrawal).
public enum MaterialKind: String, Codable, CaseIterable, Sendable {
    /// 关于申请惠企惠民政策标准化审查的函 (Art 5(1), Art 13(1)).
    case applicationLetter
    /// 惠企惠民政策服务事项办理要素情况表 (Art 5(2)).
    case elementTable
    /// 政策文件送审稿及其说明 (Art 5(3)).
    case draftWithExplanation
    /// 政策制定意见征求或评估情况材料 (Art 5(4)).
    case consultationRecord
    /// 公平性竞争审查、财政资金安排意见 (Art 5(5)).
    case fairCompetitionAndFunding
    /// 调整后的政策文件及调整说明 (Art 13(2)).
    case adjustedDocument
    /// 政策废止决定及废止说明 (Art 13(3)).
    case withdrawalDecision
    /// 其他需要提供的材料 (Art 13(4)).
    case other

    /// The material's name as the regulation writes it.
    public var chineseName: String {
        switch self {
        case .applicationLetter: "关于申请惠企惠民政策标准化审查的函"
        case .elementTable: "惠企惠民政策服务事项办理要素情况表"
        case .draftWithExplanation: "政策文件送审稿及其说明"
        case .consultationRecord: "政策制定意见征求或评估情况材料"
        case .fairCompetitionAndFunding: "公平性竞争审查、财政资金安排意见"
        case .adjustedDocument: "调整后的政策文件及调整说明"
        case .withdrawalDecision: "政策废止决定及废止说明"
        case .other: "其他需要提供的材料"
        }
    }

    /// The materials a case of `kind` must carry. `other` is never required.
    public static func required(for kind: CaseKind) -> [MaterialKind] {
        switch kind {
        // Art 5 (1)-(5)
        case .launch:
            [.applicationLetter, .elementTable, .draftWithExplanation, .consultationRecord, .fairCompetitionAndFunding]
        // Art 13 (1)(2)
        case .adjustment:
            [.applicationLetter, .adjustedDocument]
        // Art 13 (1)(3)
        case .withdrawal:
            [.applicationLetter, .withdrawalDecision]
        }
    }
}

/// One submitted file as the case form lists it; the bytes travel separately and are kept
/// byte-exact, identified by their SHA-256.
public struct MaterialRef: Codable, Hashable, Sendable {
    public var kind: MaterialKind
    public var title: String?
    public var fileName: String?
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String?
    /// Size in bytes.
    public var bytes: Int?

    public init(kind: MaterialKind, title: String?, fileName: String?, sha256: String?, bytes: Int?) {
        self.kind = kind
        self.title = title
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
    }
}
