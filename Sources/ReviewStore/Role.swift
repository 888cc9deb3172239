/// The roles of the people using a node (DESIGN §1).
public enum Role: String, Codable, CaseIterable, Sendable {
    /// A drafting department (政策制定部门) of one unit: submits and answers for its own cases.
    case drafter
    /// County 政数局 reviewer: materials check, acceptance, preliminary review, forwarding.
    case countyReviewer
    /// City 政数局 reviewer: final review and the opinion; full review of city policies.
    case cityReviewer
    /// City supervisor (Art 15): reads every case and the ledger, changes nothing.
    case supervisor
    /// Operator: users, links, keys, calendar. Sees no case content.
    case `operator`
    /// A consuming system (Art 14: 政策服务网上大厅, 城市智能体) on the city node: reads the
    /// published feed and the keyring, nothing else.
    case platform
    /// A consulted department (e.g. 德惠市司法局) on the drafters' node: answers the 上线意见征询
    /// addressed to its unit and sees nothing else.
    case consultee

    public var chineseName: String {
        switch self {
        case .drafter: "起草部门"
        case .countyReviewer: "县级审查员"
        case .cityReviewer: "市级审查员"
        case .supervisor: "监督员"
        case .operator: "运维管理员"
        case .platform: "对接平台"
        case .consultee: "征询部门"
        }
    }

    /// Whether this role exists on a node of `tier`.
    public func exists(onCityNode isCity: Bool) -> Bool {
        switch self {
        case .drafter, .operator, .consultee: true
        case .countyReviewer: !isCity
        case .cityReviewer, .supervisor, .platform: isCity
        }
    }

    /// Reviewers of this node: the ones who act on every case the node holds.
    public var isReviewer: Bool { self == .countyReviewer || self == .cityReviewer }
}
