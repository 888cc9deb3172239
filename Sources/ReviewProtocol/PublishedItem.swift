public import Foundation

/// Art 14: one policy as the city publishes it to the 政策服务网上大厅 and the 城市智能体, in the
/// one format the review platform sets: the policy, its service items with their 30 Art 7
/// elements, the 标准化审查意见书 that passed it, the launch date, its status and its history.
/// The JSON Schema is `deploy/schemas/published-item-v1.schema.json` (draft 2020-12).
///
/// An item is identified by the case its policy was launched under (``itemId``); each change
/// (launch, adjustment, withdrawal) publishes a new ``version`` of it, signed by the city's key.
public struct PublishedItem: Codable, Hashable, Sendable {
    /// This JSON shape's version; 1 is the only one so far.
    public var formatVersion: Int
    /// The launch case's id, e.g. `220183-2026-0001`: the same for every version of the policy.
    public var itemId: String
    /// 1 for the launch, +1 for each later change of this item.
    public var version: Int
    /// The change's position in the city's feed (the feed cursor), unique across items.
    public var sequence: Int
    /// What this version records.
    public var change: CaseKind
    /// 上线 / 已调整 / 已下线 once ``effectiveOn`` is reached.
    public var status: PublishedStatus
    /// Beijing civil date from which this version is the current one (Art 10 launch date; Art 13
    /// effective date of an adjustment or withdrawal). Before it, the previous version stands.
    public var effectiveOn: CivilDate
    /// The Art 10 launch date of the item's first version.
    public var launchDate: CivilDate
    /// The case this version was reviewed under.
    public var caseId: String
    public var policy: PublishedPolicy
    /// The service items with their Art 7 elements as reviewed (for a withdrawal: the items that go offline).
    public var serviceItems: [ServiceItem]
    /// The opinion that passed this version (absent only if the case carries none).
    public var opinion: PublishedOpinion?
    /// Every version of the item up to and including this one, oldest first.
    public var history: [PublishedHistoryEntry]
    /// The publishing (city) node's id.
    public var publisher: String
    /// ISO 8601 instant of publication: the key that signed must have been the publisher's key on its Beijing date.
    public var publishedAt: String

    public static let currentFormatVersion = 1

    public init(formatVersion: Int = PublishedItem.currentFormatVersion, itemId: String, version: Int, sequence: Int, change: CaseKind, status: PublishedStatus,
                effectiveOn: CivilDate, launchDate: CivilDate, caseId: String, policy: PublishedPolicy, serviceItems: [ServiceItem],
                opinion: PublishedOpinion?, history: [PublishedHistoryEntry], publisher: String, publishedAt: String) {
        self.formatVersion = formatVersion
        self.itemId = itemId
        self.version = version
        self.sequence = sequence
        self.change = change
        self.status = status
        self.effectiveOn = effectiveOn
        self.launchDate = launchDate
        self.caseId = caseId
        self.policy = policy
        self.serviceItems = serviceItems
        self.opinion = opinion
        self.history = history
        self.publisher = publisher
        self.publishedAt = publishedAt
    }
}

/// A published item's status (Art 13, 14).
public enum PublishedStatus: String, Codable, CaseIterable, Sendable {
    /// 上线: launched and unchanged.
    case online
    /// 已调整: online in an adjusted version.
    case adjusted
    /// 已下线: withdrawn; kept with its history.
    case offline

    public var chineseName: String {
        switch self {
        case .online: "上线"
        case .adjusted: "已调整"
        case .offline: "已下线"
        }
    }

    /// The status a change of `kind` leads to.
    public init(after kind: CaseKind) {
        switch kind {
        case .launch: self = .online
        case .adjustment: self = .adjusted
        case .withdrawal: self = .offline
        }
    }
}

/// The policy document of a published item.
public struct PublishedPolicy: Codable, Hashable, Sendable {
    public var title: String
    /// 文号.
    public var documentNumber: String?
    /// The issuing (drafting) unit, e.g. 德惠市财政局.
    public var issuingUnit: String
    /// GB/T 2260 code of the jurisdiction.
    public var divisionCode: String
    public var level: PolicyLevel
    /// YYYY-MM-DD: the earliest start of the items' 实施期限 (as written in the form).
    public var effectiveDate: String?
    /// YYYY-MM-DD: the latest end of the items' 实施期限.
    public var expiryDate: String?

    public init(title: String, documentNumber: String?, issuingUnit: String, divisionCode: String, level: PolicyLevel, effectiveDate: String?, expiryDate: String?) {
        self.title = title
        self.documentNumber = documentNumber
        self.issuingUnit = issuingUnit
        self.divisionCode = divisionCode
        self.level = level
        self.effectiveDate = effectiveDate
        self.expiryDate = expiryDate
    }
}

/// The 标准化审查意见书 behind a published version.
public struct PublishedOpinion: Codable, Hashable, Sendable {
    /// e.g. 长政数标审〔2026〕12号.
    public var number: String
    public var issuedOn: CivilDate
    /// The issuing (city) node's id.
    public var issuerNode: String
    public var outcome: OpinionOutcome

    public init(number: String, issuedOn: CivilDate, issuerNode: String, outcome: OpinionOutcome) {
        self.number = number
        self.issuedOn = issuedOn
        self.issuerNode = issuerNode
        self.outcome = outcome
    }
}

/// One version in a published item's history.
public struct PublishedHistoryEntry: Codable, Hashable, Sendable {
    public var version: Int
    public var change: CaseKind
    public var status: PublishedStatus
    public var caseId: String
    public var effectiveOn: CivilDate
    public var opinionNumber: String?

    public init(version: Int, change: CaseKind, status: PublishedStatus, caseId: String, effectiveOn: CivilDate, opinionNumber: String?) {
        self.version = version
        self.change = change
        self.status = status
        self.caseId = caseId
        self.effectiveOn = effectiveOn
        self.opinionNumber = opinionNumber
    }
}

/// One change in the city's feed (`GET /api/v1/published`) and the body of a push: the
/// document as shown, and the exact bytes the city signed. A consumer trusts only the signed
/// bytes, checked against the city's key history (`GET /api/v1/federation/keys`).
public struct PublishedEntry: Codable, Hashable, Sendable {
    /// The feed cursor: strictly increasing, never reused.
    public var sequence: Int
    public var itemId: String
    public var change: CaseKind
    public var effectiveOn: CivilDate
    /// The document (equal to the decoded ``signed`` bytes).
    public var document: PublishedItem
    public var signed: SignedPublication

    public init(sequence: Int, itemId: String, change: CaseKind, effectiveOn: CivilDate, document: PublishedItem, signed: SignedPublication) {
        self.sequence = sequence
        self.itemId = itemId
        self.change = change
        self.effectiveOn = effectiveOn
        self.document = document
        self.signed = signed
    }
}

/// The signed form of a published document.
public struct SignedPublication: Codable, Hashable, Sendable {
    /// Base64 of the canonical JSON bytes of the ``PublishedItem`` (what the signature covers).
    public var document: String
    /// Base64 Ed25519 signature of those bytes.
    public var signature: String
    /// Base64 of the signing public key (look it up in the keyring; never trust it by itself).
    public var signerPublicKey: String
    /// The signing node's id.
    public var signerNodeId: String

    public init(document: String, signature: String, signerPublicKey: String, signerNodeId: String) {
        self.document = document
        self.signature = signature
        self.signerPublicKey = signerPublicKey
        self.signerNodeId = signerNodeId
    }
}

/// A page of the feed: changes after the cursor, in order.
public struct PublishedFeedPage: Codable, Hashable, Sendable {
    public var changes: [PublishedEntry]
    /// The cursor to pass as `after` next (the last change's sequence, or the `after` given).
    public var next: Int
    /// Whether more changes follow `next`.
    public var hasMore: Bool

    public init(changes: [PublishedEntry], next: Int, hasMore: Bool) {
        self.changes = changes
        self.next = next
        self.hasMore = hasMore
    }
}
