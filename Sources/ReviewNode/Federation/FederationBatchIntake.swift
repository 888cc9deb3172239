import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReviewProtocol
import ReviewStore

/// One item of a batch as read: verified, or refused on its own (the others go on).
enum BatchItem: Sendable {
    case verified(VerifiedMessage)
    case refused(id: String?, caseId: String?, APIError)
}

extension FederationIntake {
    /// Reads a batch (``FederationBatch``) with the same order of checks as ``read(_:from:)``: the
    /// sender header (required) names a linked, enabled peer; the body stays within
    /// `maxMessageBytes` in total; each item's envelope (at most
    /// ``FederationWire/maxEnvelopeBytes``) is read and its signature checked before its
    /// attachments are read. Until the first signature verified, the request counts among
    /// the ``maximumUnverified`` unauthenticated reads, and a bad first signature ends it.
    /// - Throws: `APIError` 400 malformed batch (framing unreadable, more than
    ///   ``FederationBatch/maximumItems`` items), 401 no header or bad
    ///   first signature, 403 unknown or disabled sender, 413 too large, 503 busy; nothing is stored.
    ///   Until the first signature verified, the read has ``readSeconds`` (then the connection is closed).
    func readBatch(_ request: Request, from connection: PeerConnection) async throws -> [BatchItem] {
        guard let declaredSender = HTTPField.Name(FederationWire.senderHeader).flatMap({ request.headers[$0] }) else {
            throw FederationReceiver.reject(.unauthorized, "bad-signature", "a batch needs the \(FederationWire.senderHeader) header")
        }
        let link = try await linkedPeer(declaredSender)
        var place = try admitUnverified(request, from: connection)
        defer { place.release() }
        func malformed(_ detail: String) -> APIError { FederationReceiver.reject(.badRequest, "malformed-message", "malformed batch: \(detail)") }

        var reader = BoundedBodyReader(iterator: request.body.makeAsyncIterator(), limit: maxMessageBytes)
        var items: [BatchItem] = []
        var consumed = 0
        while true {
            // Item header and the frame's own header.
            let fixed = FederationBatch.itemHeaderLength + FederationFrame.headerLength
            let more = try await reader.fill(to: consumed + 1)
            if !more { break }
            guard items.count < FederationBatch.maximumItems else { throw malformed("more than \(FederationBatch.maximumItems) items") }
            guard try await reader.fill(to: consumed + fixed) else { throw malformed("truncated item header") }
            let base = reader.buffer.readableBytesView.startIndex + consumed
            // No view of the buffer outlives this statement: one held across the next `fill`
            // makes every appended chunk copy the whole buffer (copy on write).
            let lengths = { [buffer = reader.buffer] in
                (FederationBatch.declaredFrameLength(buffer.readableBytesView[base..<(base + 4)]),
                 FederationFrame.declaredJSONLength(buffer.readableBytesView[(base + FederationBatch.itemHeaderLength)..<(base + fixed)]))
            }()
            guard let frameLength = lengths.0, let jsonLength = lengths.1, frameLength >= FederationFrame.headerLength + jsonLength
            else { throw malformed("item \(items.count) has no RVW1 frame") }
            guard jsonLength <= FederationWire.maxEnvelopeBytes else { throw tooLarge("envelope of \(jsonLength) bytes") }
            guard try await reader.fill(to: consumed + fixed + jsonLength) else { throw malformed("truncated envelope") }
            let signature = Data(reader.buffer.readableBytesView[(base + 4)..<(base + FederationBatch.itemHeaderLength)])
            let json = Data(reader.buffer.readableBytesView[(base + fixed)..<(base + fixed + jsonLength)])
            // The signature first: nothing of an item is parsed before its envelope verified
            // (or, after the first item verified, before it is known to be refused).
            let verified = Self.verify(signature, of: json, link: link)
            if place.held {
                // Nothing of this request verified yet: a bad signature ends it unread.
                guard verified else {
                    throw FederationReceiver.reject(.unauthorized, "bad-signature", "signature does not verify with the key held for \(declaredSender)")
                }
                place.release()
                reader.reserve(declared: request.headers[.contentLength].flatMap { Int($0) })
            }
            let header: FederationHeader
            do {
                header = try JSONDecoder().decode(FederationHeader.self, from: json)
            } catch {
                throw malformed("item \(items.count): the envelope is not a federation message header")
            }
            guard header.sender == declaredSender else {
                throw malformed("item \(items.count): \(FederationWire.senderHeader) \(declaredSender) differs from the envelope's sender \(header.sender)")
            }
            guard try await reader.fill(to: consumed + FederationBatch.itemHeaderLength + frameLength) else { throw malformed("truncated frame") }
            let start = reader.buffer.readableBytesView.startIndex + consumed + FederationBatch.itemHeaderLength
            let frameBytes = Data(reader.buffer.readableBytesView[start..<(start + frameLength)])
            consumed += FederationBatch.itemHeaderLength + frameLength
            guard verified else {
                items.append(.refused(id: header.id, caseId: header.caseId, FederationReceiver.reject(.unauthorized, "bad-signature",
                                                                                "signature does not verify with the key held for \(header.sender)")))
                continue
            }
            do {
                let frame = try FederationFrame.decode(frameBytes)
                items.append(.verified(VerifiedMessage(header: header, json: frame.json, attachments: frame.attachments, link: link, signature: signature)))
            } catch {
                items.append(.refused(id: header.id, caseId: header.caseId, FederationReceiver.reject(.badRequest, "malformed-message", "\(error)")))
            }
        }
        guard !items.isEmpty else { throw malformed("no items") }
        return items
    }
}
