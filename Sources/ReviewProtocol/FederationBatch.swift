public import Foundation

extension FederationWire {
    /// Where peers post several queued messages at once (see ``FederationBatch``). A node of
    /// an earlier version answers 404 there; the sender then posts its messages one at a time
    /// to ``path``.
    public static let batchPath = "/federation/v1/batch"
    /// The batch body's media type.
    public static let batchContentType = "application/vnd.policy-review.batch"
}

/// Several signed messages in one request body, applied by the receiver in order in one
/// transaction: each item is a 4-byte big-endian frame length (bytes), the 64-byte Ed25519
/// signature over the frame's JSON, then the unchanged `RVW1` frame (``FederationFrame``).
/// The sender's id travels in ``FederationWire/senderHeader``, which is required; every
/// item's envelope must name the same sender.
public enum FederationBatch {
    /// Bytes before each frame: its length and its signature.
    public static let itemHeaderLength = 4 + 64
    /// The most items a batch may hold; a receiver refuses a longer one (400 `malformed-message`).
    public static let maximumItems = 64

    /// The body for `items` (each a signature and a frame, in queue order).
    public static func encode(_ items: [(signature: Data, frame: Data)]) -> Data {
        var body = Data(capacity: items.reduce(0) { $0 + itemHeaderLength + $1.frame.count })
        for item in items {
            withUnsafeBytes(of: UInt32(item.frame.count).bigEndian) { body.append(contentsOf: $0) }
            body.append(item.signature.prefix(64))
            if item.signature.count < 64 { body.append(Data(count: 64 - item.signature.count)) }
            body.append(item.frame)
        }
        return body
    }

    /// The frame length an item header declares (nil if `prefix` is shorter than 4 bytes).
    public static func declaredFrameLength(_ prefix: some Collection<UInt8>) -> Int? {
        guard prefix.count >= 4 else { return nil }
        return Int(prefix.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }
}

/// The receiver's answer to a batch (HTTP 200): one result per item, in the batch's order.
public struct FederationBatchReply: Codable, Sendable {
    /// What became of one item.
    public struct Item: Codable, Sendable {
        /// The message id (nil only when the item's envelope could not be read).
        public var id: String?
        /// The HTTP status the message would have had alone: 200 applied (or a redelivery,
        /// answered with no second effect), otherwise the refusal's status.
        public var status: Int
        /// For a refusal: the same error body a single message gets (`{"code", "message",
        /// "detail", "permanent"}`).
        public var error: Refusal?
        /// True when the item was not looked at because an earlier item of the same case was
        /// refused in this batch: it stays queued, with no attempt counted.
        public var skipped: Bool?

        public init(id: String?, status: Int, error: Refusal? = nil, skipped: Bool? = nil) {
            self.id = id
            self.status = status
            self.error = error
            self.skipped = skipped
        }
    }

    /// A refusal, shaped like the `error` object of a single message's error body.
    public struct Refusal: Codable, Sendable {
        public var code: String
        public var message: String
        public var detail: String?
        public var permanent: Bool?

        public init(code: String, message: String, detail: String?, permanent: Bool?) {
            self.code = code
            self.message = message
            self.detail = detail
            self.permanent = permanent
        }
    }

    public var results: [Item]

    public init(results: [Item]) {
        self.results = results
    }
}
