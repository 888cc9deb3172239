/// One problem the standardization check found. Codes are stable: clients, statistics
/// (Art 15) and the one-shot rule key on them; messages and suggestions are Chinese text
/// for the drafter.
public struct Finding: Codable, Hashable, Sendable {
    public var code: FindingCode
    /// Index into `serviceItems` (0-based); nil for policy-level and materials findings.
    public var itemIndex: Int?
    /// The Art 7 element concerned, if any.
    public var element: Element?
    /// Where in the case form, e.g. `serviceItems[0].validity.end`.
    public var path: String
    public var message: String
    /// A suggested rewrite or remedy, where one exists.
    public var suggestion: String?

    public init(
        code: FindingCode, itemIndex: Int? = nil, element: Element? = nil, path: String,
        message: String, suggestion: String? = nil
    ) {
        self.code = code
        self.itemIndex = itemIndex
        self.element = element
        self.path = path
        self.message = message
        self.suggestion = suggestion
    }
}

/// Stable finding codes. The raw value is what JSON carries; never rename one.
public enum FindingCode: String, Codable, CaseIterable, Sendable {
    // Policy
    case policyFieldMissing = "policy-field-missing"
    case policyDivisionUnknown = "policy-division-unknown"
    case policyLevelMismatch = "policy-level-mismatch"
    case documentNumberFormat = "document-number-format"
    case effectiveDateInvalid = "effective-date-invalid"
    // Items
    case itemsMissing = "items-missing"
    case itemNameDuplicate = "item-name-duplicate"
    // Elements: presence and types
    case elementMissing = "element-missing"
    case elementIncomplete = "element-incomplete"
    case dateInvalid = "date-invalid"
    case dateRangeReversed = "date-range-reversed"
    case workdaysNotPositive = "workdays-not-positive"
    case countNotPositive = "count-not-positive"
    case amountInvalid = "amount-invalid"
    case amountUnitInvalid = "amount-unit-invalid"
    case divisionUnknown = "division-unknown"
    case phoneInvalid = "phone-invalid"
    /// A valid phone number written in another grouping than the canonical one.
    case phoneFormat = "phone-format"
    case vocabularyUnknown = "vocabulary-unknown"
    case wordingNonstandard = "wording-nonstandard"
    // Cross-element consistency
    case approvalExceedsRedemption = "approval-exceeds-redemption"
    case windowOutsideValidity = "window-outside-validity"
    case capMissingForMonetary = "cap-missing-for-monetary"
    case selectionMethodMissing = "selection-method-missing"
    case noApplicationConflict = "no-application-conflict"
    case regionOutsideJurisdiction = "region-outside-jurisdiction"
    case applicationCountInconsistent = "application-count-inconsistent"
    // Materials (Art 5, Art 13)
    case materialMissing = "material-missing"
    case materialDigestInvalid = "material-digest-invalid"
    // Raised by a reviewer, not by the linter
    case reviewerNote = "reviewer-note"
}
