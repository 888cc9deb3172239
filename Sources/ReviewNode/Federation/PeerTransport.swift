import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReviewProtocol
import ReviewStore
import Synchronization

/// How a peer answered one message: the HTTP status and the body (the JSON result, or the
/// JSON error body of a refusal).
struct PeerAnswer: Sendable {
    var status: Int
    var body: Data
}

/// Sends one signed `RVW1` frame to a peer's federation endpoint (``FederationWire/path``).
/// Every message between nodes goes through it: the outbox's delivery, the link check, the
/// chain audit (re-key announcements travel in the outbox). ``CurlPeerTransport`` is the real
/// one; ``InProcessPeerTransport`` hands the frame to another node in the same process.
protocol PeerTransport: Sendable {
    /// - Parameters:
    ///   - frame: the whole frame (bytes), as ``Outbox/signed(_:identity:attachments:)`` made it.
    ///   - signature: the Ed25519 signature over the frame's envelope JSON (64 bytes).
    ///   - sender: this node's id (``FederationWire/senderHeader``).
    ///   - baseURL: the peer's base URL from its link.
    /// - Throws: when the peer could not be reached at all (a transient failure).
    func send(frame: Data, signature: Data, sender: String, to baseURL: String) async throws -> PeerAnswer

    /// Sends a batch body (``FederationBatch``) to the peer's ``FederationWire/batchPath``.
    /// A peer of an earlier version answers 404.
    /// - Throws: when the peer could not be reached at all (a transient failure).
    func sendBatch(_ body: Data, sender: String, to baseURL: String) async throws -> PeerAnswer
}

/// Node to node over HTTP(S) with libcurl.
struct CurlPeerTransport: PeerTransport {
    let client: CurlHTTPClient

    func send(frame: Data, signature: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
        let url = baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + FederationWire.path
        let headers = [("Content-Type", FederationWire.contentType), (FederationWire.signatureHeader, signature.base64EncodedString()),
                       (FederationWire.senderHeader, sender)]
        let response = try await client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: frame))
        return PeerAnswer(status: response.status, body: response.body)
    }

    func sendBatch(_ body: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
        let url = baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + FederationWire.batchPath
        let headers = [("Content-Type", FederationWire.batchContentType), (FederationWire.senderHeader, sender)]
        let response = try await client.send(HTTPClientRequest(method: "POST", url: url, headers: headers, body: body))
        return PeerAnswer(status: response.status, body: response.body)
    }
}

/// Nodes in one process (tests): a frame sent to a base URL goes straight into the
/// ``FederationEndpoint`` attached there, through the same intake, signature check and
/// receiver as over HTTP, and the answer is what the HTTP endpoint would send. A base URL
/// with nothing attached is unreachable.
final class InProcessPeerTransport: PeerTransport {
    private let endpoints = Mutex<[String: FederationEndpoint]>([:])

    init() {}

    /// Makes `endpoint` reachable at `baseURL`.
    func attach(_ endpoint: FederationEndpoint, at baseURL: String) {
        endpoints.withLock { $0[Self.key(baseURL)] = endpoint }
    }

    func send(frame: Data, signature: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
        guard let endpoint = endpoints.withLock({ $0[Self.key(baseURL)] }) else {
            throw InProcessUnreachable(baseURL: baseURL)
        }
        var fields = HTTPFields()
        fields[.contentType] = FederationWire.contentType
        fields[.contentLength] = String(frame.count)
        fields[HTTPField.Name(FederationWire.signatureHeader)!] = signature.base64EncodedString()
        fields[HTTPField.Name(FederationWire.senderHeader)!] = sender
        let head = HTTPRequest(method: .post, scheme: "http", authority: "in-process", path: FederationWire.path, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: frame)))
        do {
            return PeerAnswer(status: 200, body: try FederationEndpoint.encoded(try await endpoint.receive(request, from: .inProcess(sender))))
        } catch {
            guard let answer = ReviewError.answer(for: error) else {
                return PeerAnswer(status: 500, body: try ReviewError.encoded(ReviewError.internalBody))
            }
            return PeerAnswer(status: answer.0.code, body: try ReviewError.encoded(answer.1))
        }
    }

    func sendBatch(_ body: Data, sender: String, to baseURL: String) async throws -> PeerAnswer {
        guard let endpoint = endpoints.withLock({ $0[Self.key(baseURL)] }) else {
            throw InProcessUnreachable(baseURL: baseURL)
        }
        var fields = HTTPFields()
        fields[.contentType] = FederationWire.batchContentType
        fields[.contentLength] = String(body.count)
        fields[HTTPField.Name(FederationWire.senderHeader)!] = sender
        let head = HTTPRequest(method: .post, scheme: "http", authority: "in-process", path: FederationWire.batchPath, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body)))
        do {
            return PeerAnswer(status: 200, body: try FederationEndpoint.encoded(try await endpoint.receiveBatch(request, from: .inProcess(sender))))
        } catch {
            guard let answer = ReviewError.answer(for: error) else {
                return PeerAnswer(status: 500, body: try ReviewError.encoded(ReviewError.internalBody))
            }
            return PeerAnswer(status: answer.0.code, body: try ReviewError.encoded(answer.1))
        }
    }

    private static func key(_ baseURL: String) -> String {
        baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }
}

/// No node attached at the base URL (the in-process counterpart of "connection refused").
struct InProcessUnreachable: Error, CustomStringConvertible {
    var baseURL: String
    var description: String { "nothing attached at \(baseURL)" }
}

/// The receiving end of ``FederationWire/path``: the intake reads and verifies the frame, the
/// receiver applies it; the delivery service is woken for what the message queued.
struct FederationEndpoint: Sendable {
    let receiver: FederationReceiver
    let intake: FederationIntake
    let outboxSignal: OutboxSignal
    /// Woken when a launch confirmation was published (Art 14 push).
    let publicationSignal: OutboxSignal

    init(services: NodeServices) {
        receiver = FederationReceiver(services: services)
        intake = FederationIntake(store: services.store, maxMessageBytes: services.configuration.maxMessageBytes,
                                  readSeconds: services.configuration.peerReadSeconds)
        outboxSignal = services.outboxSignal
        publicationSignal = services.publicationSignal
    }

    /// - Throws: the refusals of ``FederationIntake/read(_:from:)`` and ``FederationReceiver/receive(_:)``.
    func receive(_ request: Request, from connection: PeerConnection) async throws -> FederationReceiver.Result {
        let result = try await receiver.receive(intake.read(request, from: connection))
        outboxSignal.notify()
        publicationSignal.notify()
        return result
    }

    /// Reads and applies a batch (``FederationBatch``).
    /// - Throws: the refusals of ``FederationIntake/readBatch(_:from:)`` and ``FederationReceiver/receiveBatch(_:)``.
    func receiveBatch(_ request: Request, from connection: PeerConnection) async throws -> FederationBatchReply {
        let reply = try await receiver.receiveBatch(intake.readBatch(request, from: connection))
        outboxSignal.notify()
        return reply
    }

    /// The JSON body the HTTP endpoint answers with.
    static func encoded(_ result: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(result)
    }
}
