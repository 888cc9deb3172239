public import Foundation

/// A node's link card: what an operator hands to the peer to create the link (DESIGN §5).
public struct LinkCard: Codable, Hashable, Sendable {
    /// The node id (its division code).
    public var nodeId: String
    public var name: String
    public var divisionCode: String
    public var tier: Tier
    /// Where the peer reaches this node, e.g. https://review.changchun.gov.cn or http://127.0.0.1:8100.
    public var baseURL: String
    /// Ed25519 public key, base64 of the 32 raw bytes.
    public var publicKey: String
    /// The largest message this node accepts from a peer, frame bytes: peers refuse to queue
    /// a larger one (absent on cards of older nodes).
    public var maxMessageBytes: Int?

    public init(nodeId: String, name: String, divisionCode: String, tier: Tier, baseURL: String, publicKey: String, maxMessageBytes: Int? = nil) {
        self.nodeId = nodeId
        self.name = name
        self.divisionCode = divisionCode
        self.tier = tier
        self.baseURL = baseURL
        self.publicKey = publicKey
        self.maxMessageBytes = maxMessageBytes
    }
}

/// The kinds of node-to-node message.
public enum FederationMessageType: String, Codable, CaseIterable, Sendable {
    // County → city
    case caseForwarded
    case caseResubmitted
    case launchConfirmed
    /// Art 9: the drafter does not fully accept the opinion; the issuing tier coordinates.
    case disagreementRecorded
    /// Art 9: a revision after the opinion.
    case caseRevised
    // City → county
    case received
    case supplementRequested
    case opinionIssued
    /// Art 9: the issuing tier's coordination result after a disagreement.
    case coordinationRecorded
    /// Art 9 → Art 8: the city re-reviews a revision made after its opinion.
    case reReviewStarted
    // Either way
    case ping
    case keyRotated
    /// A peer asks for proof that this node's log still holds the chain heads it was sent.
    case chainCheck
    /// County → city: ledger entries of the county's cases changed since the last report,
    /// forwarded or not (Art 15: the city supervises the counties' own work).
    case countyLedgerReported
    // Resync after a restore (issue 17)
    /// Restored node → peer: resend what I lost (caseless).
    case resyncRequested
    /// Peer → restored node: one original message (the peer's own, or the restored node's own
    /// that the peer had applied), as its exact signed frame (caseless wrapper).
    case resent
    /// Peer → restored node: the end of the resent stream, with its figures.
    case resyncCompleted

    /// The message as operators and reviewers read it.
    public var chineseName: String {
        switch self {
        case .caseForwarded: "报送市级审定"
        case .caseResubmitted: "补正后重新报送"
        case .launchConfirmed: "上线确认"
        case .disagreementRecorded: "对审查意见的不同意见"
        case .caseRevised: "按审查意见修改后的内容"
        case .coordinationRecorded: "协调结果"
        case .reReviewStarted: "市级重新审查"
        case .received: "市级接收回执"
        case .supplementRequested: "市级补正通知"
        case .opinionIssued: "标准化审查意见书"
        case .ping: "连接检查"
        case .keyRotated: "节点密钥更换"
        case .chainCheck: "日志互查"
        case .countyLedgerReported: "县级台帐报送"
        case .resyncRequested: "恢复后请求重发"
        case .resent: "恢复重发"
        case .resyncCompleted: "恢复重发完成"
        }
    }

    /// The payload type a message of this type carries (its envelope is a
    /// ``FederationEnvelope`` of it): the one table both the sender's and the receiver's code read.
    public var payloadType: any (Codable & Sendable).Type {
        switch self {
        case .caseForwarded: CaseForwardedPayload.self
        case .caseResubmitted: CaseResubmittedPayload.self
        case .launchConfirmed: LaunchConfirmedPayload.self
        case .disagreementRecorded: DisagreementRecordedPayload.self
        case .caseRevised: CaseRevisedPayload.self
        case .received: ReceivedPayload.self
        case .supplementRequested: SupplementRequestedPayload.self
        case .opinionIssued: OpinionIssuedPayload.self
        case .coordinationRecorded: CoordinationRecordedPayload.self
        case .reReviewStarted: ReReviewStartedPayload.self
        case .ping: PingPayload.self
        case .keyRotated: KeyRotatedPayload.self
        case .chainCheck: ChainCheckPayload.self
        case .countyLedgerReported: CountyLedgerReport.self
        case .resyncRequested: ResyncRequestedPayload.self
        case .resent: ResentPayload.self
        case .resyncCompleted: ResyncCompletedPayload.self
        }
    }
}

/// A message between nodes: unique id, sender and receiver node ids, type, case reference,
/// per-case sequence, time, the sender's event-chain head, and the type's payload. On the wire
/// the envelope's JSON and the materials' bytes form a ``FederationFrame``, the HTTP body; the
/// sender's Ed25519 signature over exactly the JSON's bytes (which carry each material's
/// SHA-256) travels in the ``FederationWire/signatureHeader`` header.
public struct FederationEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var id: String
    public var sender: String
    public var receiver: String
    public var type: FederationMessageType
    public var caseId: String?
    /// 1, 2, … per (sender, receiver, case): the receiver applies them in this order.
    public var sequence: Int
    /// ISO 8601 UTC.
    public var sentAt: String
    /// The hash of the sender's latest event when the message was written.
    public var chainHead: String
    public var payload: Payload

    public init(id: String, sender: String, receiver: String, type: FederationMessageType, caseId: String?, sequence: Int,
                sentAt: String, chainHead: String, payload: Payload) {
        self.id = id
        self.sender = sender
        self.receiver = receiver
        self.type = type
        self.caseId = caseId
        self.sequence = sequence
        self.sentAt = sentAt
        self.chainHead = chainHead
        self.payload = payload
    }
}

/// The envelope without its payload: what the receiver reads first, to know who sent what.
public struct FederationHeader: Codable, Sendable {
    public var id: String
    public var sender: String
    public var receiver: String
    public var type: FederationMessageType
    public var caseId: String?
    public var sequence: Int
    public var sentAt: String
    public var chainHead: String
}

/// Wire constants.
public enum FederationWire {
    /// Base64 of the Ed25519 signature over the exact bytes of the frame's JSON.
    public static let signatureHeader = "X-Review-Signature"
    /// The sending node's id, so that a receiver can refuse an unlinked or disabled sender
    /// before it reads the body. Must equal the envelope's `sender`.
    public static let senderHeader = "X-Review-Sender"
    /// The largest envelope JSON a receiver reads before the signature is checked, bytes:
    /// what an unauthenticated request can make a node hold in memory.
    public static let maxEnvelopeBytes = 8 * 1024 * 1024
    /// Where peers post messages.
    public static let path = "/federation/v1/messages"
    /// The body's media type.
    public static let contentType = "application/vnd.policy-review.message"
}

/// The payload of a ping (link check).
public struct PingPayload: Codable, Hashable, Sendable {
    public var nonce: String

    public init(nonce: String) {
        self.nonce = nonce
    }
}

/// A material forwarded between nodes: its reference in the JSON, its bytes as attachment
/// number `attachment` of the message frame (no base64). The receiver checks the SHA-256.
public struct TransferredMaterial: Codable, Hashable, Sendable {
    public var reference: MaterialRef
    public var attachment: Int

    public init(reference: MaterialRef, attachment: Int) {
        self.reference = reference
        self.attachment = attachment
    }
}

/// The body of a node-to-node message: the envelope's JSON and raw binary attachments (the
/// materials' bytes), framed as `RVW1`, a 4-byte big-endian JSON length, the JSON, then each
/// attachment as an 8-byte big-endian length and its bytes. The signature covers the JSON, which
/// names every attachment by its SHA-256.
public enum FederationFrame {
    static let magic = Data("RVW1".utf8)

    public static func encode(json: Data, attachments: [Data] = []) -> Data {
        var body = Data(capacity: 8 + json.count + attachments.reduce(0) { $0 + 8 + $1.count })
        body.append(magic)
        appendBigEndian(UInt32(json.count), to: &body)
        body.append(json)
        for attachment in attachments {
            appendBigEndian(UInt64(attachment.count), to: &body)
            body.append(attachment)
        }
        return body
    }

    /// The fixed part before the JSON: magic and the 4-byte JSON length (bytes).
    public static let headerLength = 8

    /// The JSON's length as the frame's first 8 bytes declare it, or nil when `prefix` is
    /// shorter than that or is not a frame. Lets a receiver read the signed JSON before it
    /// reads (or buffers) the attachments.
    public static func declaredJSONLength(_ prefix: some Collection<UInt8>) -> Int? {
        guard prefix.count >= headerLength, prefix.prefix(4).elementsEqual(magic) else { return nil }
        return Int(prefix.dropFirst(4).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// Splits a frame into its JSON and attachments. Never traps, whatever the bytes: every
    /// length read from the frame is compared with the bytes that remain before it is added
    /// to an offset, in unsigned arithmetic, so a length of 2^64 − 1 is "truncated", not an
    /// overflow.
    /// - Throws: ``ProtocolError`` `.invalidValue` when the frame is malformed.
    public static func decode(_ body: Data) throws -> (json: Data, attachments: [Data]) {
        func fail(_ reason: String) -> ProtocolError { ProtocolError(.invalidValue, reason: "malformed message frame: \(reason)") }
        guard let jsonLength = declaredJSONLength(body) else { throw fail("no RVW1 header") }
        let total = body.count
        // Offsets count from the body's first byte (a `Data` slice keeps its parent's indices).
        var offset = headerLength
        /// Takes `length` bytes at `offset` if that many remain.
        func take(_ length: UInt64) throws -> Data {
            let remaining = UInt64(total - offset)
            guard length <= remaining else { throw fail("truncated (\(length) bytes declared, \(remaining) remain)") }
            let start = body.startIndex + offset
            offset += Int(length)
            return Data(body[start..<(body.startIndex + offset)])
        }
        let json = try take(UInt64(jsonLength))
        var attachments: [Data] = []
        while offset < total {
            let length = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            attachments.append(try take(length))
        }
        return (json, attachments)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }
}

/// The clock as it stood when a message was written.
public struct ClockState: Codable, Hashable, Sendable {
    public var acceptedOn: CivilDate
    public var limit: Int
    public var stops: [ClockStopState]

    public init(acceptedOn: CivilDate, limit: Int, stops: [ClockStopState]) {
        self.acceptedOn = acceptedOn
        self.limit = limit
        self.stops = stops
    }
}

public struct ClockStopState: Codable, Hashable, Sendable {
    public var stopped: CivilDate
    public var resumed: CivilDate?

    public init(stopped: CivilDate, resumed: CivilDate?) {
        self.stopped = stopped
        self.resumed = resumed
    }
}

/// County → city: the case after the county's preliminary review (Art 8.2).
public struct CaseForwardedPayload: Codable, Hashable, Sendable {
    public var caseId: String
    public var kind: CaseKind
    public var title: String
    public var documentNumber: String?
    public var draftingUnit: String
    public var divisionCode: String
    public var submittedOn: CivilDate
    public var effectiveDate: CivilDate?
    public var lateApplication: Bool
    public var revision: Int
    public var form: CaseForm
    public var materials: [TransferredMaterial]
    /// The county's findings: every supplement notice it issued, in order.
    public var countyFindings: [Finding]
    /// The county's supplement notices as issued, round by round, with the reasons recorded
    /// for repeated problems (absent from older nodes, which send only `countyFindings`).
    public var countyNotices: [CountyNotice]?
    public var preliminaryConclusion: String
    public var clock: ClockState
    public var forwardedOn: CivilDate
    /// The 上线意见征询 held before submission (absent when none, or from older nodes).
    public var consultation: ConsultationSummary? = nil
    /// Art 6 sessions the county held on the case (absent when none, or from older nodes).
    public var expertSessions: [ExpertSession]? = nil

    public init(caseId: String, kind: CaseKind, title: String, documentNumber: String?, draftingUnit: String, divisionCode: String,
                submittedOn: CivilDate, effectiveDate: CivilDate?, lateApplication: Bool, revision: Int, form: CaseForm,
                materials: [TransferredMaterial], countyFindings: [Finding], preliminaryConclusion: String, clock: ClockState,
                forwardedOn: CivilDate) {
        self.caseId = caseId
        self.kind = kind
        self.title = title
        self.documentNumber = documentNumber
        self.draftingUnit = draftingUnit
        self.divisionCode = divisionCode
        self.submittedOn = submittedOn
        self.effectiveDate = effectiveDate
        self.lateApplication = lateApplication
        self.revision = revision
        self.form = form
        self.materials = materials
        self.countyFindings = countyFindings
        self.preliminaryConclusion = preliminaryConclusion
        self.clock = clock
        self.forwardedOn = forwardedOn
    }
}

/// One of the county's supplement notices as it travels with a forwarded case.
public struct CountyNotice: Codable, Hashable, Sendable {
    public var notice: SupplementNotice
    /// The revision the notice was issued on.
    public var revision: Int
    public var answeredOn: CivilDate?

    public init(notice: SupplementNotice, revision: Int, answeredOn: CivilDate?) {
        self.notice = notice
        self.revision = revision
        self.answeredOn = answeredOn
    }
}

/// County → city: the drafter's answer to the city's supplement request; the clock restarts.
public struct CaseResubmittedPayload: Codable, Hashable, Sendable {
    public var revision: Int
    public var form: CaseForm
    public var materials: [TransferredMaterial]
    public var resumedOn: CivilDate

    public init(revision: Int, form: CaseForm, materials: [TransferredMaterial], resumedOn: CivilDate) {
        self.revision = revision
        self.form = form
        self.materials = materials
        self.resumedOn = resumedOn
    }
}

/// County → city: Art 10 launch (or withdrawal) confirmed, with the final content.
public struct LaunchConfirmedPayload: Codable, Hashable, Sendable {
    public var revision: Int
    public var form: CaseForm
    public var launchDate: CivilDate
    public var confirmedOn: CivilDate

    public init(revision: Int, form: CaseForm, launchDate: CivilDate, confirmedOn: CivilDate) {
        self.revision = revision
        self.form = form
        self.launchDate = launchDate
        self.confirmedOn = confirmedOn
    }
}

/// City → county: the forwarded case arrived, with the city's case number.
public struct ReceivedPayload: Codable, Hashable, Sendable {
    public var cityCaseNumber: String
    public var receivedOn: CivilDate

    public init(cityCaseNumber: String, receivedOn: CivilDate) {
        self.cityCaseNumber = cityCaseNumber
        self.receivedOn = receivedOn
    }
}

/// City → county: the city's one-shot supplement notice; the clock stops.
public struct SupplementRequestedPayload: Codable, Hashable, Sendable {
    public var notice: SupplementNotice
    public var revision: Int

    public init(notice: SupplementNotice, revision: Int) {
        self.notice = notice
        self.revision = revision
    }
}

/// City → county: the 标准化审查意见书, signed by the city so that it stays verifiable later.
public struct OpinionIssuedPayload: Codable, Hashable, Sendable {
    /// The opinion's canonical JSON bytes: what the signature covers.
    public var opinion: Data
    /// Ed25519 signature of `opinion` by the city node's key.
    public var signature: Data
    /// The city's public key (base64) that made the signature.
    public var signerPublicKey: String
    /// Working days used at each tier (Art 15 supervision).
    public var countyWorkdays: Int?
    public var cityWorkdays: Int?

    public init(opinion: Data, signature: Data, signerPublicKey: String, countyWorkdays: Int?, cityWorkdays: Int?) {
        self.opinion = opinion
        self.signature = signature
        self.signerPublicKey = signerPublicKey
        self.countyWorkdays = countyWorkdays
        self.cityWorkdays = cityWorkdays
    }
}

/// Either way: a new public key, announced in a message signed with the old one.
public struct KeyRotatedPayload: Codable, Hashable, Sendable {
    public var newPublicKey: String
    /// Until when the old key stays valid (ISO 8601).
    public var oldKeyValidUntil: String

    public init(newPublicKey: String, oldKeyValidUntil: String) {
        self.newPublicKey = newPublicKey
        self.oldKeyValidUntil = oldKeyValidUntil
    }
}

/// Either way: "does your event log still hold these chain heads you sent me?" (at most
/// ``ChainCheckPayload/maximumHeads``).
public struct ChainCheckPayload: Codable, Hashable, Sendable {
    public static let maximumHeads = 1000
    public var heads: [String]

    public init(heads: [String]) {
        self.heads = heads
    }
}

/// The answer to a ``ChainCheckPayload``, signed by the answering node: which heads its log
/// holds (at which sequence number), which it does not, its current head, and whether its
/// chain verifies from the start. A head it once sent and no longer holds means its history
/// was rewritten.
public struct ChainProof: Codable, Hashable, Sendable {
    public var node: String
    /// ISO 8601.
    public var checkedAt: String
    /// Head hash → the sequence number of the event that has it.
    public var found: [String: Int64]
    public var missing: [String]
    public var head: String
    public var intact: Bool

    public init(node: String, checkedAt: String, found: [String: Int64], missing: [String], head: String, intact: Bool) {
        self.node = node
        self.checkedAt = checkedAt
        self.found = found
        self.missing = missing
        self.head = head
        self.intact = intact
    }
}

/// County → city: the county's ledger entries changed since its last report (Art 15).
public struct CountyLedgerReport: Codable, Hashable, Sendable {
    public static let maximumEntries = 200
    public var entries: [CountyCaseEntry]

    public init(entries: [CountyCaseEntry]) {
        self.entries = entries
    }
}

/// One county case as its ledger shows it: no materials, no form; what supervision counts.
public struct CountyCaseEntry: Codable, Hashable, Sendable {
    public var caseId: String
    public var kind: CaseKind
    public var title: String
    public var draftingUnit: String
    /// The case's state at the county (`CaseState` raw value).
    public var state: String
    public var submittedOn: CivilDate
    public var acceptedOn: CivilDate?
    /// The Art 8 deadline while the clock runs at the county.
    public var dueOn: CivilDate?
    public var forwardedOn: CivilDate?
    public var clock: ClockState?
    /// Supplement and materials notices the county issued.
    public var supplementRounds: Int
    public var materialsRounds: Int
    public var lateApplication: Bool
    /// ISO 8601: when the case last changed at the county (a newer entry replaces an older).
    public var updatedAt: String

    public init(caseId: String, kind: CaseKind, title: String, draftingUnit: String, state: String, submittedOn: CivilDate, acceptedOn: CivilDate?,
                dueOn: CivilDate?, forwardedOn: CivilDate?, clock: ClockState?, supplementRounds: Int, materialsRounds: Int,
                lateApplication: Bool, updatedAt: String) {
        self.caseId = caseId
        self.kind = kind
        self.title = title
        self.draftingUnit = draftingUnit
        self.state = state
        self.submittedOn = submittedOn
        self.acceptedOn = acceptedOn
        self.dueOn = dueOn
        self.forwardedOn = forwardedOn
        self.clock = clock
        self.supplementRounds = supplementRounds
        self.materialsRounds = materialsRounds
        self.lateApplication = lateApplication
        self.updatedAt = updatedAt
    }
}

/// County → city (Art 9): the drafter's reasons for not fully accepting the opinion.
public struct DisagreementRecordedPayload: Codable, Hashable, Sendable {
    public var reason: String
    public var recordedOn: CivilDate

    public init(reason: String, recordedOn: CivilDate) {
        self.reason = reason
        self.recordedOn = recordedOn
    }
}

/// County → city (Art 9): a revision made after the opinion, so that the issuing tier holds
/// the same content.
public struct CaseRevisedPayload: Codable, Hashable, Sendable {
    public var revision: Int
    public var form: CaseForm
    public var revisedOn: CivilDate

    public init(revision: Int, form: CaseForm, revisedOn: CivilDate) {
        self.revision = revision
        self.form = form
        self.revisedOn = revisedOn
    }
}

/// City → county (Art 9): the coordination result the issuing tier recorded.
public struct CoordinationRecordedPayload: Codable, Hashable, Sendable {
    public var outcome: String
    public var recordedOn: CivilDate

    public init(outcome: String, recordedOn: CivilDate) {
        self.outcome = outcome
        self.recordedOn = recordedOn
    }
}

/// `resyncRequested`: sent by a node restored from a backup to each peer. Per case, the last
/// sequence it applied from that peer and the last sequence its outbox holds for that peer;
/// the peer resends everything after those (cases absent from both maps: everything).
public struct ResyncRequestedPayload: Codable, Sendable {
    /// When the backup was taken, ISO 8601 UTC.
    public var backupTakenAt: String
    /// Case id → last per-case sequence applied from the peer.
    public var applied: [String: Int]
    /// Case id → last per-case sequence queued for the peer.
    public var sent: [String: Int]

    public init(backupTakenAt: String, applied: [String: Int], sent: [String: Int]) {
        self.backupTakenAt = backupTakenAt
        self.applied = applied
        self.sent = sent
    }
}

/// `resent`: one original message as attachment 0 (its exact frame), with the original
/// signature; `origin` is the node that signed it (the peer, or the restored node itself).
public struct ResentPayload: Codable, Sendable {
    public var originalId: String
    public var origin: String
    /// Base64 Ed25519 signature over the original frame's JSON.
    public var signature: String
    /// SHA-256 (hex) of attachment 0, binding it to this signed envelope.
    public var sha256: String
    /// 1-based position in the stream, and the stream's length.
    public var index: Int
    public var total: Int

    public init(originalId: String, origin: String, signature: String, sha256: String, index: Int, total: Int) {
        self.originalId = originalId
        self.origin = origin
        self.signature = signature
        self.sha256 = sha256
        self.index = index
        self.total = total
    }
}

/// `resyncCompleted`: the end of a resent stream.
public struct ResyncCompletedPayload: Codable, Sendable {
    /// Messages of the peer's own resent.
    public var resent: Int
    /// Messages of the restored node's own sent back.
    public var echoed: Int
    /// Cases whose history could not be resent whole (pruned past the retention window).
    public var gaps: [String]

    public init(resent: Int, echoed: Int, gaps: [String]) {
        self.resent = resent
        self.echoed = echoed
        self.gaps = gaps
    }
}

/// City → county (Art 9 → Art 8): the city reviews `revision` again; a new opinion follows.
public struct ReReviewStartedPayload: Codable, Hashable, Sendable {
    public var revision: Int
    public var startedOn: CivilDate

    public init(revision: Int, startedOn: CivilDate) {
        self.revision = revision
        self.startedOn = startedOn
    }
}
