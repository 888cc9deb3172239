import Foundation
import Synchronization

/// Failed sign-ins per name and per client address: after `limit` failures within `window`
/// (``addressLimit`` for an address), that name or address is refused until
/// the window has passed, so that passwords cannot be guessed at speed. Kept in memory: a
/// restart forgets it, which is acceptable for a pause measured in minutes.
final class SignInThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// Failures allowed per client address within the window.
    static let addressLimit = 20

    /// Whether `name` may try now (with `limit`, default this throttle's).
    func allows(_ name: String, limit: Int? = nil, now: Date = Date()) -> Bool {
        failures.withLock { failures in
            let recent = (failures[name] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[name] = recent.isEmpty ? nil : recent
            return recent.count < (limit ?? self.limit)
        }
    }

    func failed(_ name: String, now: Date = Date()) {
        failures.withLock { failures in
            failures[name, default: []].append(now)
            // Many names tried once each must not grow the table without end.
            if failures.count > 10_000 {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
        }
    }

    func succeeded(_ name: String) {
        _ = failures.withLock { $0.removeValue(forKey: name) }
    }
}
