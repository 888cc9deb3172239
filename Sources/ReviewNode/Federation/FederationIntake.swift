import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ReviewProtocol
import ReviewStore
import Synchronization

/// A peer's message whose sender is linked and whose signature verified: what
/// ``FederationReceiver`` applies.
struct VerifiedMessage: Sendable {
    var header: FederationHeader
    /// The envelope's JSON, exactly the signed bytes.
    var json: Data
    /// The materials' bytes, in frame order.
    var attachments: [Data]
    var link: LinkRecord
    /// The signature over `json` (kept with the received message for a restored peer's resync).
    var signature: Data
    /// The payload decoded with its type, once ``prepared()`` ran.
    var payload: DecodedPayload?
    /// Each attachment's SHA-256 (lowercase hex), in frame order, once ``prepared()`` ran.
    var attachmentDigests: [String]?

    /// The same message with its payload decoded and its attachments hashed: the work that
    /// needs no database, done before the receiving transaction (which one writer runs at a
    /// time) instead of inside it, and each digest computed once.
    func prepared() -> VerifiedMessage {
        var message = self
        message.payload = DecodedPayload(header.type, json: json)
        message.attachmentDigests = attachments.map { SHA256.hash(data: $0).hexString }
        return message
    }
}

/// A message's payload decoded with the type its message type carries, or the refusal its
/// decoding gives.
struct DecodedPayload: Sendable {
    let type: Any.Type
    let result: Result<any Sendable, APIError>
    /// A forwarded case's form as canonical JSON (what the receiver stores as its first
    /// revision), encoded here rather than inside the transaction.
    private(set) var formJSON: Data?

    init(_ messageType: FederationMessageType, json: Data) {
        func decode<T: Codable & Sendable>(_ type: T.Type) -> (Any.Type, Result<any Sendable, APIError>) {
            // Peers' messages are signed machine output: the plain decoder (a newer peer's
            // extra fields are ignored), not the strict one used for people's input.
            do {
                return (type, .success(try JSONDecoder().decode(FederationEnvelope<T>.self, from: json).payload))
            } catch {
                return (type, .failure(FederationReceiver.reject(.unprocessableContent, "malformed-payload", "\(messageType.rawValue): \(error)")))
            }
        }
        (type, result) = decode(messageType.payloadType)
        if case .success(let value) = result, let forwarded = value as? CaseForwardedPayload {
            formJSON = try? CaseWorkflow.canonicalJSON(forwarded.form)
        }
    }

    /// The payload as `T`; nil when `T` is not the type it was decoded with (the caller then
    /// decodes it itself).
    /// - Throws: the `malformed-payload` refusal when it did not decode as `T`.
    func value<T>(as _: T.Type) throws -> T? {
        guard type == T.self else { return nil }
        return try result.get() as? T
    }
}

/// Reads a peer's message from an HTTP request in the order that keeps an unauthenticated
/// request cheap: first what the headers tell (signature present, sender linked and enabled,
/// declared length within the limit), then only the frame's header and signed JSON (at most
/// ``FederationWire/maxEnvelopeBytes``), then the signature; the attachments are read only once
/// the signature verified, and never beyond `maxMessageBytes`. An unauthenticated request
/// therefore costs at most the envelope limit in memory, whatever it sends, and holds one of
/// few places for at most ``readSeconds``.
struct FederationIntake: Sendable {
    let store: NodeStore
    /// The largest message accepted, frame bytes (the node's `maxMessageBytes`).
    let maxMessageBytes: Int
    /// How long a request may take to send what is read before its signature is checked,
    /// seconds (the node's `peerReadSeconds`); its connection is then closed.
    let readSeconds: TimeInterval
    /// Requests reading an envelope before its signature is checked, at most
    /// ``maximumUnverified`` at once (the memory unauthenticated requests can hold is bounded)
    /// and ``maximumUnverifiedPerAddress`` from one client address (one sender of slow requests
    /// cannot take every place).
    let unverified = UnverifiedReads()
    static let maximumUnverified = 4
    static let maximumUnverifiedPerAddress = 2

    /// - Throws: `APIError` 400 malformed, 401 bad signature, 403 unknown or disabled sender,
    ///   413 too large, 503 busy; nothing is stored. A request that overruns ``readSeconds``
    ///   before its signature is checked has its connection closed (and throws what reading
    ///   the closed body throws).
    func read(_ request: Request, from connection: PeerConnection) async throws -> VerifiedMessage {
        guard let signatureText = HTTPField.Name(FederationWire.signatureHeader).flatMap({ request.headers[$0] }),
              let signature = Data(base64Encoded: signatureText), signature.count == 64
        else { throw FederationReceiver.reject(.unauthorized, "bad-signature", "no valid \(FederationWire.signatureHeader) header") }
        let declaredSender = HTTPField.Name(FederationWire.senderHeader).flatMap { request.headers[$0] }
        var link: LinkRecord?
        if let declaredSender { link = try await linkedPeer(declaredSender) }
        var place = try admitUnverified(request, from: connection)
        defer { place.release() }
        var reader = BoundedBodyReader(iterator: request.body.makeAsyncIterator(), limit: maxMessageBytes)
        guard try await reader.fill(to: FederationFrame.headerLength),
              let jsonLength = FederationFrame.declaredJSONLength(reader.buffer.readableBytesView)
        else { throw FederationReceiver.reject(.badRequest, "malformed-message", "malformed message frame: no RVW1 header") }
        guard jsonLength <= FederationWire.maxEnvelopeBytes else { throw tooLarge("envelope of \(jsonLength) bytes") }
        guard try await reader.fill(to: FederationFrame.headerLength + jsonLength),
              let jsonBytes = reader.buffer.getBytes(at: reader.buffer.readerIndex + FederationFrame.headerLength, length: jsonLength)
        else { throw FederationReceiver.reject(.badRequest, "malformed-message", "malformed message frame: truncated envelope") }
        let json = Data(jsonBytes)
        let header: FederationHeader
        do {
            header = try JSONDecoder().decode(FederationHeader.self, from: json)
        } catch {
            throw FederationReceiver.reject(.badRequest, "malformed-message", "malformed envelope: \(String(describing: error).prefix(300))")
        }
        if let declaredSender, declaredSender != header.sender {
            throw FederationReceiver.reject(.badRequest, "malformed-message", "\(FederationWire.senderHeader) \(declaredSender) differs from the envelope's sender \(header.sender)")
        }
        let peer: LinkRecord
        if let link { peer = link } else { peer = try await linkedPeer(header.sender) }
        guard Self.verify(signature, of: json, link: peer) else {
            throw FederationReceiver.reject(.unauthorized, "bad-signature", "signature does not verify with the key held for \(header.sender)")
        }
        place.release()
        // Authenticated: now the attachments, still within the limit.
        reader.reserve(declared: request.headers[.contentLength].flatMap { Int($0) })
        _ = try await reader.fill(to: .max)
        let frame: (json: Data, attachments: [Data])
        do {
            frame = try FederationFrame.decode(Data(reader.buffer.readableBytesView))
        } catch {
            throw FederationReceiver.reject(.badRequest, "malformed-message", "\(error)")
        }
        return VerifiedMessage(header: header, json: frame.json, attachments: frame.attachments, link: peer, signature: signature)
    }

    func linkedPeer(_ nodeId: String) async throws -> LinkRecord {
        guard let link = try await store.link(nodeId) else {
            throw FederationReceiver.reject(.forbidden, "unknown-node", "no link to node \(nodeId.prefix(40))")
        }
        guard link.enabled else { throw FederationReceiver.reject(.forbidden, "link-disabled", "the link to \(nodeId) is disabled") }
        return link
    }

    func tooLarge(_ what: String) -> APIError {
        APIError(.contentTooLarge, code: "message-too-large", message: "节点消息超过大小上限",
                 detail: "\(what) exceeds this node's limit of \(maxMessageBytes) bytes per message (\(FederationWire.maxEnvelopeBytes) for the envelope)", permanent: true)
    }

    /// The current key, or the previous one during a re-key's grace period.
    static func verify(_ signature: Data, of json: Data, link: LinkRecord, at now: Date = Date()) -> Bool {
        if NodeIdentity.verify(signature, of: json, publicKey: link.publicKey) { return true }
        if let previous = link.previousPublicKey, let until = link.previousKeyValidUntil, until > now {
            return NodeIdentity.verify(signature, of: json, publicKey: previous)
        }
        return false
    }
}

/// Reads a request body chunk by chunk into one buffer, refusing (413) as soon as it would
/// hold more than `limit` bytes.
struct BoundedBodyReader {
    var iterator: RequestBody.AsyncIterator
    let limit: Int
    var buffer = ByteBuffer()

    /// Reads until at least `count` bytes are buffered or the body ends. Returns whether
    /// `count` bytes are there.
    mutating func fill(to count: Int) async throws -> Bool {
        while buffer.readableBytes < count {
            guard var chunk = try await iterator.next() else { return false }
            guard chunk.readableBytes <= limit - buffer.readableBytes else {
                throw APIError(.contentTooLarge, code: "message-too-large", message: "节点消息超过大小上限",
                               detail: "the body exceeds this node's limit of \(limit) bytes per message", permanent: true)
            }
            buffer.writeBuffer(&chunk)
        }
        return true
    }

    /// Makes room for a body of `declared` bytes (its Content-Length, at most the limit) in
    /// one allocation, so that appending its chunks does not copy the buffer each time it
    /// grows. Call once the sender is authenticated: an unknown sender gets no large buffer.
    mutating func reserve(declared: Int?) {
        guard let declared, declared > buffer.capacity else { return }
        buffer.reserveCapacity(min(declared, limit))
    }
}

/// The connection a peer's request came on: the client's address (places for unverified reads
/// are shared out per address) and how to close it.
struct PeerConnection: Sendable {
    /// The TCP peer's address, or the proxy's `X-Forwarded-For` entry with `trustForwardedFor`.
    var address: String
    var close: @Sendable () -> Void
    var logger: Logger

    /// A sender in the same process (tests): its node id stands for the address; nothing to close.
    static func inProcess(_ sender: String) -> PeerConnection {
        PeerConnection(address: "in-process:" + sender, close: {}, logger: Logger(label: "in-process"))
    }
}

/// The requests in the unauthenticated phase, counted in all and per client address.
final class UnverifiedReads: Sendable {
    private let places = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    /// Takes a place if fewer than `limit` are taken in all and fewer than `perAddress` by `address`.
    func enter(address: String, limit: Int, perAddress: Int) -> Bool {
        places.withLock { places in
            let mine = places.byAddress[address, default: 0]
            guard places.total < limit, mine < perAddress else { return false }
            places.total += 1
            places.byAddress[address] = mine + 1
            return true
        }
    }

    func leave(address: String) {
        places.withLock { places in
            places.total -= 1
            let mine = places.byAddress[address, default: 1] - 1
            places.byAddress[address] = mine > 0 ? mine : nil
        }
    }
}

/// One request's place among the unverified reads: released once its first signature verified
/// (or when the request ends); while it is held past the deadline, a watchdog closes the
/// connection, which ends the read.
struct UnverifiedPlace {
    let reads: UnverifiedReads
    let address: String
    let watchdog: Task<Void, Never>
    private(set) var held = true

    init(reads: UnverifiedReads, connection: PeerConnection, seconds: TimeInterval) {
        self.reads = reads
        address = connection.address
        watchdog = Task {
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            connection.logger.warning("closed a peer connection that did not send its signed envelope in time",
                                      metadata: ["address": "\(connection.address)", "seconds": "\(seconds)"])
            connection.close()
        }
    }

    /// Gives the place back and stops the watchdog; a second call does nothing.
    mutating func release() {
        guard held else { return }
        held = false
        watchdog.cancel()
        reads.leave(address: address)
    }
}

extension FederationIntake {
    /// The checks before any of an unauthenticated body is read: a declared `Content-Length`
    /// must be a byte count within `maxMessageBytes`, and one of the ``maximumUnverified``
    /// places for reads whose signature is not yet checked must be free, and fewer than
    /// ``maximumUnverifiedPerAddress`` of them held by the client's address. The caller
    /// releases the place.
    /// - Throws: `APIError` 400 (length no byte count), 413 (over the limit), 503 `busy`.
    func admitUnverified(_ request: Request, from connection: PeerConnection) throws -> UnverifiedPlace {
        if let lengthText = request.headers[.contentLength] {
            guard let length = Int(lengthText), length >= 0 else {
                throw FederationReceiver.reject(.badRequest, "malformed-message", "Content-Length '\(lengthText.prefix(40))' is not a byte count")
            }
            guard length <= maxMessageBytes else { throw tooLarge("Content-Length \(length)") }
        }
        guard unverified.enter(address: connection.address, limit: Self.maximumUnverified, perAddress: Self.maximumUnverifiedPerAddress) else {
            throw APIError(.serviceUnavailable, code: "busy", message: "节点繁忙,请稍后重试",
                           detail: "more than \(Self.maximumUnverified) messages in all, or \(Self.maximumUnverifiedPerAddress) from this address, are being read before their signatures are checked")
        }
        return UnverifiedPlace(reads: unverified, connection: connection, seconds: readSeconds)
    }
}
