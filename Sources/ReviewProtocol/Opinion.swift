/// 标准化审查意见书 (Art 8): the city's determination on a case, with every element the
/// drafter has to change.
public struct ReviewOpinion: Codable, Hashable, Sendable {
    public var number: OpinionNumber
    public var outcome: OpinionOutcome
    public var policyTitle: String
    public var draftingUnit: String
    public var requiredChanges: [RequiredChange]
    /// Free text from the reviewer, Chinese.
    public var remarks: String?
    public var issuedOn: CivilDate
    /// Division code of the issuing node.
    public var issuerNode: String
    /// The review's basis (审查依据) beyond the regulation itself: the Art 6 expert sessions
    /// held on the case, each as its citation line. Absent on opinions without any.
    public var basis: [String]? = nil

    public init(
        number: OpinionNumber, outcome: OpinionOutcome, policyTitle: String, draftingUnit: String,
        requiredChanges: [RequiredChange], remarks: String?, issuedOn: CivilDate, issuerNode: String
    ) {
        self.number = number
        self.outcome = outcome
        self.policyTitle = policyTitle
        self.draftingUnit = draftingUnit
        self.requiredChanges = requiredChanges
        self.remarks = remarks
        self.issuedOn = issuedOn
        self.issuerNode = issuerNode
    }
}

public enum OpinionOutcome: String, Codable, CaseIterable, Sendable {
    case passed
    case notPassed

    public var chineseName: String {
        switch self {
        case .passed: "通过"
        case .notPassed: "不通过"
        }
    }
}

/// One element the drafter must change, and how.
public struct RequiredChange: Codable, Hashable, Sendable {
    public var itemIndex: Int?
    public var element: Element?
    public var change: String

    public init(itemIndex: Int?, element: Element?, change: String) {
        self.itemIndex = itemIndex
        self.element = element
        self.change = change
    }
}

/// An opinion's number, unique per issuing node and year, e.g. 长政数标审〔2026〕12号.
public struct OpinionNumber: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The node's prefix, e.g. 长政数标审.
    public var prefix: String
    public var year: Int
    public var sequence: Int

    public init(prefix: String, year: Int, sequence: Int) {
        self.prefix = prefix
        self.year = year
        self.sequence = sequence
    }

    public var description: String { "\(prefix)〔\(year)〕\(sequence)号" }
}
