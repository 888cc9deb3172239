import Foundation
import Logging
import ReviewStore
import ServiceLifecycle

/// Forgets received message ids older than the freshness window (plus the allowed clock
/// skew), every `interval`. Replays of such messages are refused as stale by their signed
/// `sentAt`; per-case order lives in `inboxSequence`, which is never pruned.
struct InboxPruner: Service {
    let store: NodeStore
    /// The node's `messageFreshness`, seconds.
    let freshness: TimeInterval
    /// The node's `allowedClockSkew`, seconds.
    let skew: TimeInterval
    /// The node's `deliveredRetention`, seconds: delivered messages and received frames
    /// younger than this are kept for a restored peer's resync.
    let retention: TimeInterval
    let logger: Logger

    /// Between two prunes: a tenth of the shorter window, from 1 s to 10 min.
    var interval: Duration { .milliseconds(Int(min(600, max(1, min(freshness, retention) / 10)) * 1000)) }

    func run() async throws {
        await Periodically.run(every: interval) { await prune() }
    }

    func prune(now: Date = Date()) async {
        let cutoff = now.addingTimeInterval(-(freshness + skew))
        do {
            let removed = try await store.write { db in try NodeStore.pruneInbox(db, receivedBefore: cutoff) }
            if removed > 0 { logger.info("pruned received message ids", metadata: ["count": "\(removed)", "before": "\(cutoff)"]) }
            let retained = now.addingTimeInterval(-retention)
            let (outbox, frames) = try await store.write { db in try NodeStore.pruneDelivered(db, before: retained) }
            if outbox + frames > 0 {
                logger.info("pruned delivered messages past the retention window", metadata: ["outbox": "\(outbox)", "frames": "\(frames)", "before": "\(retained)"])
            }
        } catch {
            if !error.isCancellation { logger.error("inbox pruning failed", metadata: ["error": "\(error)"]) }
        }
    }
}

/// The loop of the node's periodic services: `body` now and then every `interval`, until the
/// graceful shutdown.
extension Error {
    /// The node is shutting down: the task was cancelled (a background loop logs nothing then).
    var isCancellation: Bool { self is CancellationError || Task.isCancelled }
}

enum Periodically {
    static func run(every interval: Duration, first delay: Duration = .zero, _ body: @escaping @Sendable () async -> Void) async {
        await cancelWhenGracefulShutdown {
            if delay > .zero { try? await Task.sleep(for: delay) }
            while !Task.isCancelled {
                await body()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
