public import ReviewProtocol

/// Where a case stands on one node. The raw value is what the store and the API carry.
public enum CaseState: String, Codable, CaseIterable, Sendable {
    /// Submitted by the drafter, materials not yet checked.
    case submitted
    /// Art 5: materials incomplete; the drafter was told everything missing at once.
    case awaitingMaterials
    /// Accepted (受理): the Art 8 clock runs from here.
    case accepted
    /// County preliminary review (Art 8.2).
    case preliminaryReview
    /// Supplement notice issued by this node; the clock is stopped (Art 8).
    case supplementRequested
    /// County preliminary review done; waiting to be forwarded to the city.
    case readyToForward
    /// With the city for final review (county node's view).
    case forwarded
    /// The city asked for a supplement (county node's view); the clock is stopped.
    case citySupplementRequested
    /// City review: final review of a county case (Art 8.2) or full review of a city case (Art 8.1).
    case finalReview
    /// 标准化审查意见书 issued: passed.
    case opinionPassed
    /// 标准化审查意见书 issued: not passed.
    case opinionNotPassed
    /// Art 9: the drafter is revising (5 working days).
    case revising
    /// Art 9: the drafter does not fully accept the opinion; coordination under way.
    case disagreementRecorded
    /// Art 10: final content and launch date confirmed.
    case launchConfirmed
    /// Art 13: the withdrawal (下线) is confirmed.
    case withdrawalConfirmed
    /// Art 11: kept in the ledger and archived.
    case archived

    public var chineseName: String {
        switch self {
        case .submitted: "已提交"
        case .awaitingMaterials: "待补正材料"
        case .accepted: "已受理"
        case .preliminaryReview: "初审中"
        case .supplementRequested: "待补正"
        case .readyToForward: "待报送市级"
        case .forwarded: "市级审定中"
        case .citySupplementRequested: "市级要求补正"
        case .finalReview: "审定中"
        case .opinionPassed: "审查通过"
        case .opinionNotPassed: "审查未通过"
        case .revising: "修改中"
        case .disagreementRecorded: "协调中"
        case .launchConfirmed: "已确认上线"
        case .withdrawalConfirmed: "已确认下线"
        case .archived: "已归档"
        }
    }

    /// Whether the Art 8 review clock is stopped in this state for supplement. (Before
    /// acceptance it has not started at all.)
    public var isClockStopped: Bool { self == .supplementRequested || self == .citySupplementRequested }
}

/// What happens to a case. Each event is one API action and one logged event on a node.
public enum CaseEvent: Hashable, Codable, Sendable {
    /// Art 5: one-shot notice of every missing material.
    case requestMaterials
    case supplyMaterials
    /// Acceptance; starts the Art 8 clock.
    case accept
    case beginReview
    /// Art 8: one-shot supplement notice; stops the clock.
    case requestSupplement
    /// The drafter's answer to a supplement notice; restarts the clock.
    case resubmit
    /// County preliminary review finished.
    case completePreliminaryReview
    case forward
    /// County node: the city asked for a supplement.
    case receiveSupplementRequest
    /// City node: the 标准化审查意见书 is issued.
    case issueOpinion(OpinionOutcome)
    /// County node: the city's opinion arrived.
    case receiveOpinion(OpinionOutcome)
    /// Art 9.
    case beginRevision
    /// Art 9: the drafter does not fully accept the opinion.
    case recordDisagreement
    /// Art 9: the coordination outcome is recorded; the drafter revises accordingly.
    case recordCoordination
    /// Art 10.
    case confirmLaunch
    /// Art 13: withdrawal confirmed.
    case confirmWithdrawal
    /// Art 11.
    case archive
    /// The issuing tier reviews a revision made after its opinion again (Art 9 → Art 8).
    case beginReReview
    /// County: the city began re-reviewing the revision; the case waits for its new opinion.
    case receiveReReview

    /// Every event, for tables and exhaustive tests.
    public static let all: [CaseEvent] = [
        .requestMaterials, .supplyMaterials, .accept, .beginReview, .requestSupplement, .resubmit,
        .completePreliminaryReview, .forward, .receiveSupplementRequest,
        .issueOpinion(.passed), .issueOpinion(.notPassed), .receiveOpinion(.passed), .receiveOpinion(.notPassed),
        .beginRevision, .recordDisagreement, .recordCoordination, .confirmLaunch, .confirmWithdrawal, .archive,
        .beginReReview, .receiveReReview,
    ]

    /// A stable name for logs and errors, e.g. `issueOpinion(passed)`.
    public var name: String {
        switch self {
        case .requestMaterials: "requestMaterials"
        case .supplyMaterials: "supplyMaterials"
        case .accept: "accept"
        case .beginReview: "beginReview"
        case .requestSupplement: "requestSupplement"
        case .resubmit: "resubmit"
        case .completePreliminaryReview: "completePreliminaryReview"
        case .forward: "forward"
        case .receiveSupplementRequest: "receiveSupplementRequest"
        case .issueOpinion(let outcome): "issueOpinion(\(outcome.rawValue))"
        case .receiveOpinion(let outcome): "receiveOpinion(\(outcome.rawValue))"
        case .beginRevision: "beginRevision"
        case .recordDisagreement: "recordDisagreement"
        case .recordCoordination: "recordCoordination"
        case .confirmLaunch: "confirmLaunch"
        case .confirmWithdrawal: "confirmWithdrawal"
        case .archive: "archive"
        case .beginReReview: "beginReReview"
        case .receiveReReview: "receiveReReview"
        }
    }
}
