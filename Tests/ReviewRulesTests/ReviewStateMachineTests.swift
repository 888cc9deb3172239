import ReviewProtocol
import ReviewRules
import Testing

/// The legal transitions are written out here, independently of the machine's own table, and
/// every other (state, event) pair is checked to be refused.
@Suite struct ReviewStateMachineTests {
    typealias Context = ReviewStateMachine.Context

    static let countyOnCounty = Context(kind: .launch, level: .county, node: .county)
    static let countyOnCity = Context(kind: .launch, level: .county, node: .city)
    static let cityOnCity = Context(kind: .launch, level: .city, node: .city)

    /// Transitions shared after the opinion, by every context whose kind is not withdrawal.
    static let afterOpinion: [(CaseState, CaseEvent, CaseState)] = [
        (.opinionPassed, .beginRevision, .revising),
        (.opinionNotPassed, .beginRevision, .revising),
        (.opinionPassed, .recordDisagreement, .disagreementRecorded),
        (.opinionNotPassed, .recordDisagreement, .disagreementRecorded),
        (.revising, .recordDisagreement, .disagreementRecorded),
        (.disagreementRecorded, .recordCoordination, .revising),
        (.opinionPassed, .confirmLaunch, .launchConfirmed),
        (.revising, .confirmLaunch, .launchConfirmed),
        (.launchConfirmed, .archive, .archived),
        (.withdrawalConfirmed, .archive, .archived),
    ]

    static let intake: [(CaseState, CaseEvent, CaseState)] = [
        (.submitted, .requestMaterials, .awaitingMaterials),
        (.awaitingMaterials, .supplyMaterials, .submitted),
        (.submitted, .accept, .accepted),
    ]

    static let expected: [Context: [(CaseState, CaseEvent, CaseState)]] = [
        // Art 8.2 on the county node: intake, preliminary review, forwarding, the city's answers.
        countyOnCounty: intake + [
            (.accepted, .beginReview, .preliminaryReview),
            (.preliminaryReview, .requestSupplement, .supplementRequested),
            (.supplementRequested, .resubmit, .preliminaryReview),
            (.preliminaryReview, .completePreliminaryReview, .readyToForward),
            (.readyToForward, .forward, .forwarded),
            (.forwarded, .receiveSupplementRequest, .citySupplementRequested),
            (.citySupplementRequested, .resubmit, .forwarded),
            (.forwarded, .receiveOpinion(.passed), .opinionPassed),
            (.forwarded, .receiveOpinion(.notPassed), .opinionNotPassed),
            // The city re-reviews a revision: the county waits for its new opinion.
            (.revising, .receiveReReview, .forwarded),
        ] + afterOpinion,
        // Art 8.2 on the city node: final review of a forwarded case.
        countyOnCity: [
            (.finalReview, .requestSupplement, .supplementRequested),
            (.supplementRequested, .resubmit, .finalReview),
            (.finalReview, .issueOpinion(.passed), .opinionPassed),
            (.finalReview, .issueOpinion(.notPassed), .opinionNotPassed),
            (.revising, .beginReReview, .finalReview),
        ] + afterOpinion,
        // Art 8.1: the city reviews its own policies alone.
        cityOnCity: intake + [
            (.accepted, .beginReview, .finalReview),
            (.finalReview, .requestSupplement, .supplementRequested),
            (.supplementRequested, .resubmit, .finalReview),
            (.finalReview, .issueOpinion(.passed), .opinionPassed),
            (.finalReview, .issueOpinion(.notPassed), .opinionNotPassed),
            (.revising, .beginReReview, .finalReview),
        ] + afterOpinion,
    ]

    @Test(arguments: [countyOnCounty, countyOnCity, cityOnCity])
    func exactlyTheLegalTransitionsExist(_ context: Context) throws {
        let legal = try #require(Self.expected[context])
        for state in CaseState.allCases {
            for event in CaseEvent.all {
                var machine = ReviewStateMachine(context: context, state: state)
                let expectedTarget = legal.first { $0.0 == state && $0.1 == event }?.2
                if let expectedTarget {
                    #expect(try machine.apply(event) == expectedTarget, "\(state) --\(event.name)-->")
                    #expect(machine.state == expectedTarget)
                } else {
                    #expect(throws: RulesError.self, "\(state) --\(event.name)--> should be refused") { try machine.apply(event) }
                    #expect(machine.state == state)
                }
            }
        }
    }

    @Test func withdrawalEndsInWithdrawalNotLaunch() throws {
        for node in [Tier.county, .city] {
            let context = Context(kind: .withdrawal, level: node == .county ? .county : .city, node: node)
            var machine = ReviewStateMachine(context: context, state: .opinionPassed)
            #expect(throws: RulesError.self) { try machine.apply(.confirmLaunch) }
            #expect(try machine.apply(.confirmWithdrawal) == .withdrawalConfirmed)
            var revising = ReviewStateMachine(context: context, state: .revising)
            #expect(try revising.apply(.confirmWithdrawal) == .withdrawalConfirmed)
        }
        var launch = ReviewStateMachine(context: Self.countyOnCounty, state: .opinionPassed)
        #expect(throws: RulesError.self) { try launch.apply(.confirmWithdrawal) }
    }

    @Test func adjustmentFollowsTheLaunchPath() throws {
        var machine = try ReviewStateMachine(context: Context(kind: .adjustment, level: .county, node: .county))
        for event: CaseEvent in [.accept, .beginReview, .completePreliminaryReview, .forward, .receiveOpinion(.passed), .confirmLaunch, .archive] {
            try machine.apply(event)
        }
        #expect(machine.state == .archived)
    }

    @Test func initialStates() throws {
        #expect(try ReviewStateMachine(context: Self.countyOnCounty).state == .submitted)
        #expect(try ReviewStateMachine(context: Self.cityOnCity).state == .submitted)
        #expect(try ReviewStateMachine(context: Self.countyOnCity).state == .finalReview)
        #expect(throws: RulesError.self) { try ReviewStateMachine(context: Context(kind: .launch, level: .city, node: .county)) }
    }

    @Test func aWholeCountyCaseWithTwoSupplementRounds() throws {
        var machine = try ReviewStateMachine(context: Self.countyOnCounty)
        let path: [CaseEvent] = [
            .requestMaterials, .supplyMaterials, .accept, .beginReview, .requestSupplement, .resubmit,
            .completePreliminaryReview, .forward, .receiveSupplementRequest, .resubmit,
            .receiveOpinion(.notPassed), .beginRevision, .recordDisagreement, .recordCoordination, .confirmLaunch, .archive,
        ]
        for event in path { try machine.apply(event) }
        #expect(machine.state == .archived)
    }

    @Test func refusalNamesTheCurrentStateAndTheAllowedMove() throws {
        var machine = ReviewStateMachine(context: Self.countyOnCounty, state: .preliminaryReview)
        #expect {
            try machine.apply(.forward)
        } throws: { error in
            guard let error = error as? RulesError, error.code == .illegalTransition else { return false }
            return error.message.contains("preliminaryReview") && error.message.contains("readyToForward → forwarded")
        }
        var city = ReviewStateMachine(context: Self.countyOnCity, state: .finalReview)
        #expect { try city.apply(.forward) } throws: { ($0 as? RulesError)?.message.contains("not allowed for a county-level launch case on a city node") == true }
    }

    @Test func allowedEventsDriveTheConsole() {
        let machine = ReviewStateMachine(context: Self.countyOnCounty, state: .submitted)
        #expect(machine.allowedEvents == [.requestMaterials, .accept])
        #expect(ReviewStateMachine(context: Self.countyOnCounty, state: .archived).allowedEvents.isEmpty)
    }

    @Test func clockStoppedStates() {
        #expect(CaseState.allCases.filter(\.isClockStopped) == [.supplementRequested, .citySupplementRequested])
    }
}
