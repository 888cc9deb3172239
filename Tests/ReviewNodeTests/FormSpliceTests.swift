import Foundation
@testable import ReviewNode
import ReviewProtocol
import ReviewStore
import ReviewTesting
import Testing

/// A forwarded case's form is written into the signed envelope from the county's stored
/// canonical JSON (``CaseWorkflow/canonicalJSON(_:form:)``): the bytes must be exactly those
/// of encoding the decoded form, for every example form.
@Suite struct FormSpliceTests {
    static func payload(_ form: CaseForm) -> CaseForwardedPayload {
        CaseForwardedPayload(
            caseId: "220183-2026-000001", kind: form.policy.kind, title: "题", documentNumber: nil, draftingUnit: "德惠市科学技术局",
            divisionCode: "220183", submittedOn: Fixtures.date("2026-03-02"), effectiveDate: nil, lateApplication: false, revision: 1, form: form,
            materials: [], countyFindings: [], preliminaryConclusion: "初审通过/含斜杠",
            clock: ClockState(acceptedOn: Fixtures.date("2026-03-02"), limit: 10, stops: []), forwardedOn: Fixtures.date("2026-03-02"))
    }

    @Test(arguments: ["launch-clean.json", "launch-defective.json", "withdrawal-clean.json"])
    func theSplicedEnvelopeIsTheEncodedOne(example: String) throws {
        var form = try Fixtures.example(example)
        form.consultationId = "220183-C-2026-000001"
        let stored = try CaseWorkflow.canonicalJSON(form)
        let envelope = FederationEnvelope(id: "m-1", sender: "220183", receiver: "220100", type: .caseForwarded, caseId: "220183-2026-000001",
                                          sequence: 1, sentAt: "2026-03-02T01:00:00Z", chainHead: EventRecord.genesis, payload: Self.payload(form))
        var standIn = envelope
        standIn.payload.form = .standIn
        let spliced = try #require(try CaseWorkflow.canonicalJSON(standIn, form: stored))
        #expect(spliced == (try CaseWorkflow.canonicalJSON(envelope)))
        // And it reads back as the form.
        #expect(try JSONDecoder().decode(FederationEnvelope<CaseForwardedPayload>.self, from: spliced).payload.form == form)
    }

    @Test func aValueWithoutExactlyOneFormIsNotSpliced() throws {
        #expect(try CaseWorkflow.canonicalJSON(["a": 1], form: Data("{}".utf8)) == nil)
        let form = try Fixtures.example("launch-clean.json")
        #expect(try CaseWorkflow.canonicalJSON([form, form], form: Data("{}".utf8)) == nil)
    }
}
