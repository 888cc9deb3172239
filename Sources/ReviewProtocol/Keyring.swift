public import Foundation

/// The keys nodes signed with, each with the period it was its node's signing key: what an
/// outsider needs to check a 标准化审查意见书 offline (`reviewctl keys export` writes one,
/// `reviewctl opinion verify --keyring` reads one). JSON: `{"keys": [{nodeId, name,
/// publicKey, fingerprint, validFrom, validUntil}]}`, times ISO 8601.
public struct Keyring: Codable, Hashable, Sendable {
    public struct Key: Codable, Hashable, Sendable {
        /// The node's id (its division code).
        public var nodeId: String
        public var name: String?
        /// The node's tier (`city` or `county`): only a city's key issues 标准化审查意见书.
        public var tier: String?
        /// Ed25519 public key, base64 of the 32 raw bytes.
        public var publicKey: String
        public var fingerprint: String?
        /// ISO 8601: from when the node signed with it.
        public var validFrom: String
        /// ISO 8601: when it was replaced; absent while it is the node's current key.
        public var validUntil: String?

        public init(nodeId: String, name: String?, tier: String? = nil, publicKey: String, fingerprint: String?, validFrom: String, validUntil: String?) {
            self.nodeId = nodeId
            self.name = name
            self.tier = tier
            self.publicKey = publicKey
            self.fingerprint = fingerprint
            self.validFrom = validFrom
            self.validUntil = validUntil
        }

        /// The Beijing civil dates of `validFrom` and `validUntil` (nil when absent or unreadable).
        var fromDay: CivilDate? { (try? Date(validFrom, strategy: .iso8601)).map(CivilDate.init(beijingDayOf:)) }
        var untilDay: CivilDate? { validUntil.flatMap { try? Date($0, strategy: .iso8601) }.map(CivilDate.init(beijingDayOf:)) }
    }

    public var keys: [Key]

    public init(keys: [Key]) {
        self.keys = keys
    }

    /// Whether `key` was its node's signing key on `date` (a Beijing civil date): not after the
    /// day it was retired, and — when the keyring holds an earlier key of the same node, which
    /// it replaced — not before the day it took over. A node's first key has no lower bound
    /// (nothing signed for that node before it).
    public func wasValid(_ key: Key, on date: CivilDate) -> Bool {
        if key.validUntil != nil {
            guard let until = key.untilDay, date <= until else { return false }
        }
        let replacedAnother = keys.contains { $0.nodeId == key.nodeId && $0.publicKey != key.publicKey && $0.validUntil != nil
            && ($0.untilDay.map { until in key.fromDay.map { until <= $0 } ?? false } ?? false) }
        if replacedAnother {
            guard let from = key.fromDay, date >= from else { return false }
        }
        return true
    }

    /// The entry for `publicKey` as a key of `nodeId`, if the keyring has one.
    public func key(_ publicKey: String, of nodeId: String) -> Key? {
        keys.first { $0.nodeId == nodeId && $0.publicKey == publicKey }
    }
}

extension CivilDate {
    /// The civil date in Beijing (UTC+8, no daylight saving) at instant `date`.
    public init(beijingDayOf date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        self.init(dayNumber: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
    }
}
