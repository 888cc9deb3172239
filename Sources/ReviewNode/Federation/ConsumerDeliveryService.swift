import Crypto
import CurlClient
import Foundation
import Logging
import ReviewProtocol
import ReviewStore
import ServiceLifecycle

/// Art 14 push: delivers the city's published changes to every registered consumer, like the
/// federation outbox does to peers. Per consumer one change at a time, in feed order; consumers
/// in parallel; retried with exponential backoff and jitter, never dropped. A consumer that
/// refuses a change permanently (a 4xx other than 408/429) ``NodeStore/maxConsumerRefusals``
/// times makes it a dead letter (visible on the operator page and in
/// `GET /api/v1/publication/consumers`, retried by an operator) and its later changes go on.
///
/// Each push is `POST url` with the ``PublishedEntry`` JSON as body and the headers
/// `Idempotency-Key: <city node id>:<sequence>` (the same on every retry, so a consumer that
/// receives a change twice applies it once), `X-Publication-Sequence` and
/// `X-Publication-Signature: sha256=<hex HMAC-SHA256 of the body with the consumer's secret>`.
struct ConsumerDeliveryService: Service {
    let services: NodeServices
    /// Its own libcurl client: consumers are not peers (no federation frames).
    let client: CurlHTTPClient
    let logger: Logger
    let maxBackoff: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop()
        }
    }

    private func loop() async {
        while !Task.isCancelled {
            var next: Date?
            do {
                let work = try await services.store.dueConsumerHeads(now: Date())
                if !work.due.isEmpty {
                    await withTaskGroup(of: Void.self) { group in
                        for (consumer, delivery, change) in work.due {
                            group.addTask { await deliver(change, delivery, to: consumer) }
                        }
                    }
                    next = Date()
                } else {
                    next = work.next
                }
            } catch {
                // Cancelled at shutdown: nothing went wrong.
                if !error.isCancellation {
                    logger.error("consumer queue scan failed", metadata: ["error": "\(error)"])
                }
                next = Date().addingTimeInterval(1)
            }
            let wait = next.map { max(0, min(1, $0.timeIntervalSinceNow)) } ?? 1
            if wait > 0 { await services.publicationSignal.wait(upTo: .milliseconds(Int(wait * 1000))) }
        }
    }

    /// The headers of one push.
    static func headers(body: Data, sequence: Int, publisher: String, secret: String) -> [(String, String)] {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return [("Content-Type", "application/json"), ("Idempotency-Key", "\(publisher):\(sequence)"), ("X-Publication-Sequence", String(sequence)),
                ("X-Publication-Signature", "sha256=" + Data(mac).map { String(format: "%02x", $0) }.joined()), ("Expect", "")]
    }

    private func deliver(_ change: PublishedChangeRecord, _ delivery: ConsumerDeliveryRecord, to consumer: PublicationConsumerRecord) async {
        let publisher = services.configuration.nodeId
        let failure: (text: String, permanent: Bool)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = try encoder.encode(try change.entry(signerNodeId: publisher))
            let response = try await client.send(HTTPClientRequest(
                method: "POST", url: consumer.url,
                headers: Self.headers(body: body, sequence: change.sequence, publisher: publisher, secret: consumer.secret), body: body))
            if (200..<300).contains(response.status) {
                try await services.store.markConsumerDelivered(consumerId: delivery.consumerId, sequence: change.sequence)
                logger.debug("pushed", metadata: ["consumer": "\(consumer.name)", "sequence": "\(change.sequence)"])
                return
            }
            let text = "HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            failure = (text, (400..<500).contains(response.status) && response.status != 408 && response.status != 429)
        } catch {
            failure = (String(describing: error), false)
        }
        let attempts = delivery.attempts + 1
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let exponential = min(cap, 0.2 * pow(2, Double(min(attempts, 20) - 1)))
        let delay = Double.random(in: exponential / 2 ... exponential)
        let dead = (try? await services.store.recordConsumerFailure(consumerId: delivery.consumerId, sequence: change.sequence, error: failure.text,
                                                                     permanent: failure.permanent, retryAt: Date().addingTimeInterval(delay))) ?? false
        if dead {
            logger.error("consumer dead letter: the consumer refused this change; its later changes go on", metadata: [
                "consumer": "\(consumer.name)", "sequence": "\(change.sequence)", "error": "\(failure.text)"])
        } else {
            logger.warning("push failed; will retry", metadata: [
                "consumer": "\(consumer.name)", "sequence": "\(change.sequence)", "attempt": "\(attempts)", "error": "\(failure.text)"])
        }
    }
}
