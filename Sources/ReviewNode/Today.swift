public import ReviewProtocol
import Foundation

/// Where a node gets today's date: the civil date in Beijing (UTC+8). Injected so that tests
/// and demonstrations can pin it (`REVIEW_TODAY=YYYY-MM-DD`).
public struct Today: Sendable {
    private let provider: @Sendable () -> CivilDate

    public init(_ provider: @escaping @Sendable () -> CivilDate) {
        self.provider = provider
    }

    public var date: CivilDate { provider() }

    /// The real date in Asia/Shanghai (no daylight saving: a fixed UTC+8).
    public static let beijing = Today {
        let seconds = Int(Date().timeIntervalSince1970) + 8 * 3600
        return CivilDate(dayNumber: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
    }

    /// Always `date`.
    public static func fixed(_ date: CivilDate) -> Today { Today { date } }
}
