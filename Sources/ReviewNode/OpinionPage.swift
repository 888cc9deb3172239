import ReviewProtocol
import ReviewStore

/// The 标准化审查意见书 as a printable A4 page in Chinese (template `opinion`), with the
/// signature's fingerprint and how to verify it.
struct OpinionPage {
    let opinion: ReviewOpinion
    let caseId: String
    let issuerName: String
    let revisionDueOn: CivilDate?
    /// The city node's public key that signed the opinion (base64), when signed.
    let signerPublicKey: String?
    /// The service items' names (of the case's current revision), so that changes name their item.
    var itemNames: [String?] = []

    var view: [String: Any] {
        var view: [String: Any] = [
            "number": opinion.number.description,
            "draftingUnit": opinion.draftingUnit,
            "policyTitle": opinion.policyTitle,
            // In its 《》, nested titles in 〈〉 (GB/T 15834).
            "quotedPolicyTitle": BookTitle.quoted(opinion.policyTitle),
            "caseId": caseId,
            "passed": opinion.outcome == .passed,
            "outcomeName": opinion.outcome.chineseName,
            "issuerName": issuerName,

            "issuedOn": Self.chineseDate(opinion.issuedOn),
            "changes": opinion.requiredChanges.enumerated().map { index, change in
                ["index": index + 1, "item": change.itemIndex.map { ConsoleVocabulary.item($0, itemNames: itemNames) } ?? "—",
                 "element": change.element?.chineseName ?? "—", "change": change.change] as [String: Any]
            },
        ]
        view["hasChanges"] = !opinion.requiredChanges.isEmpty
        view["remarks"] = opinion.remarks
        // Art 6: the expert sessions the review relied on.
        view["basis"] = opinion.basis.map { $0.map { ["line": $0] } }
        view["revisionDueOn"] = revisionDueOn.map(Self.chineseDate)
        if let signerPublicKey, !signerPublicKey.isEmpty {
            view["fingerprint"] = NodeIdentity.fingerprint(ofPublicKey: signerPublicKey)
            view["publicKey"] = signerPublicKey
        }
        return view
    }

    /// The issuing node's name: this node's, or the linked city's when the opinion came from it.
    static func issuerName(_ db: StoreTransaction, _ opinion: ReviewOpinion, own configuration: NodeConfiguration) throws -> String {
        if opinion.issuerNode == configuration.nodeId { return configuration.name }
        return try NodeStore.link(db, opinion.issuerNode)?.name ?? opinion.issuerNode
    }

    /// The service items' names of the case's current revision (empty when it cannot be read).
    static func itemNames(_ db: StoreTransaction, _ record: CaseRecord) -> [String?] {
        ((try? CaseWorkflow.form(db, record.id, record.currentRevision))?.serviceItems ?? []).map(\.itemName)
    }

    static func chineseDate(_ date: CivilDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }
}
