/// 材料补正告知 (Art 5): every missing material at once, with the date to supply them by.
public struct MaterialsNotice: Codable, Hashable, Sendable {
    public var missing: [MaterialKind]
    /// The day the notice was issued (Beijing date).
    public var issuedOn: CivilDate
    /// The last working day the drafter has to supply them.
    public var supplyBy: CivilDate

    public init(missing: [MaterialKind], issuedOn: CivilDate, supplyBy: CivilDate) {
        self.missing = missing
        self.issuedOn = issuedOn
        self.supplyBy = supplyBy
    }
}

/// 补正告知书 (Art 8): the one-shot written notice of everything to correct. Issuing it
/// stops the review clock; the drafter's resubmission restarts it.
public struct SupplementNotice: Codable, Hashable, Sendable {
    /// Which tier asked: a county's preliminary review or the city's final review.
    public var issuedBy: Tier
    /// 1 for the first notice on the case, 2 for the next, …
    public var round: Int
    public var findings: [Finding]
    public var issuedOn: CivilDate
    /// The deadline given for the resubmission, if any.
    public var supplyBy: CivilDate?
    /// Reasons the reviewer recorded for findings on elements that were unchanged since the
    /// previous notice (the one-shot rule), keyed by element key.
    public var repeatReasons: [String: String]

    public init(
        issuedBy: Tier, round: Int, findings: [Finding], issuedOn: CivilDate, supplyBy: CivilDate?,
        repeatReasons: [String: String] = [:]
    ) {
        self.issuedBy = issuedBy
        self.round = round
        self.findings = findings
        self.issuedOn = issuedOn
        self.supplyBy = supplyBy
        self.repeatReasons = repeatReasons
    }
}

/// The two tiers of review nodes.
public enum Tier: String, Codable, CaseIterable, Sendable {
    case county
    case city
}
