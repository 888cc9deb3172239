public import ReviewProtocol

/// The case state machine of one node (DESIGN §4). Which transitions exist depends on the
/// node's tier and the policy's level: the intake node (the county for county policies, the
/// city for city policies) checks materials and accepts; a county node forwards; the city
/// node issues the opinion. A value type: apply events, read `state`.
public struct ReviewStateMachine: Hashable, Sendable {
    /// What the machine needs to know about the case and the node holding it.
    public struct Context: Hashable, Sendable, Codable {
        public var kind: CaseKind
        public var level: PolicyLevel
        public var node: Tier

        public init(kind: CaseKind, level: PolicyLevel, node: Tier) {
            self.kind = kind
            self.level = level
            self.node = node
        }

        /// Whether this node receives the drafter's application (Art 8.1 city, Art 8.2 county).
        public var isIntakeNode: Bool { (node == .county) == (level == .county) }

        /// The state in which this node reviews.
        var reviewState: CaseState { node == .county ? .preliminaryReview : .finalReview }
    }

    public let context: Context
    public private(set) var state: CaseState

    /// A new case on this node: `submitted` on the intake node, `finalReview` when the city
    /// receives a county's forwarded case.
    /// - Throws: `.illegalTransition` for a city-level policy on a county node.
    public init(context: Context) throws {
        guard !(context.node == .county && context.level == .city) else {
            throw RulesError(.illegalTransition, "a county node does not hold city-level policies (Art 8.1)")
        }
        self.context = context
        self.state = context.isIntakeNode ? .submitted : .finalReview
    }

    /// Restores a machine at a stored state.
    public init(context: Context, state: CaseState) {
        self.context = context
        self.state = state
    }

    /// Applies `event`.
    /// - Returns: the new state.
    /// - Throws: `.illegalTransition` naming the current state and the states the event is
    ///   allowed from.
    @discardableResult
    public mutating func apply(_ event: CaseEvent) throws -> CaseState {
        guard let next = Self.target(of: event, from: state, context: context) else {
            throw RulesError(.illegalTransition, Self.refusal(event, state: state, context: context))
        }
        state = next
        return next
    }

    /// The state `event` would lead to, or nil when it is not allowed now.
    public func target(of event: CaseEvent) -> CaseState? {
        Self.target(of: event, from: state, context: context)
    }

    /// The events allowed in the current state (for the console's action forms).
    public var allowedEvents: [CaseEvent] {
        CaseEvent.all.filter { target(of: $0) != nil }
    }

    static func target(of event: CaseEvent, from state: CaseState, context: Context) -> CaseState? {
        let review = context.reviewState
        let intake = context.isIntakeNode
        let county = context.node == .county
        let withdrawal = context.kind == .withdrawal
        switch (state, event) {
        case (.submitted, .requestMaterials) where intake: return .awaitingMaterials
        case (.awaitingMaterials, .supplyMaterials) where intake: return .submitted
        case (.submitted, .accept) where intake: return .accepted
        case (.accepted, .beginReview) where intake: return review
        case (review, .requestSupplement): return .supplementRequested
        case (.supplementRequested, .resubmit): return review
        case (.preliminaryReview, .completePreliminaryReview) where county: return .readyToForward
        case (.readyToForward, .forward) where county: return .forwarded
        case (.forwarded, .receiveSupplementRequest) where county: return .citySupplementRequested
        case (.citySupplementRequested, .resubmit) where county: return .forwarded
        case (.finalReview, .issueOpinion(let outcome)) where !county: return outcome == .passed ? .opinionPassed : .opinionNotPassed
        case (.forwarded, .receiveOpinion(let outcome)) where county: return outcome == .passed ? .opinionPassed : .opinionNotPassed
        case (.opinionPassed, .beginRevision), (.opinionNotPassed, .beginRevision): return .revising
        case (.opinionPassed, .recordDisagreement), (.opinionNotPassed, .recordDisagreement), (.revising, .recordDisagreement):
            return .disagreementRecorded
        case (.disagreementRecorded, .recordCoordination): return .revising
        case (.opinionPassed, .confirmLaunch) where !withdrawal, (.revising, .confirmLaunch) where !withdrawal:
            return .launchConfirmed
        case (.opinionPassed, .confirmWithdrawal) where withdrawal, (.revising, .confirmWithdrawal) where withdrawal:
            return .withdrawalConfirmed
        case (.launchConfirmed, .archive), (.withdrawalConfirmed, .archive): return .archived
        // Art 9 → Art 8: the tier that issued the opinion reviews the revision again.
        case (.revising, .beginReReview) where !county: return .finalReview
        case (.revising, .receiveReReview) where county: return .forwarded
        default: return nil
        }
    }

    static func refusal(_ event: CaseEvent, state: CaseState, context: Context) -> String {
        let from = CaseState.allCases.filter { target(of: event, from: $0, context: context) != nil }
        let current = "\(state.rawValue) (\(state.chineseName))"
        guard !from.isEmpty else {
            return "\(event.name) is not allowed for a \(context.level.rawValue)-level \(context.kind.rawValue) case on a \(context.node.rawValue) node (case is in \(current))"
        }
        let moves = from.compactMap { source in
            target(of: event, from: source, context: context).map { "\(source.rawValue) → \($0.rawValue)" }
        }
        return "\(event.name) is not allowed in state \(current); it moves \(moves.joined(separator: ", "))"
    }
}
