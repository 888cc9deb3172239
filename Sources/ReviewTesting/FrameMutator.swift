public import Foundation
public import ReviewProtocol

/// Seeded random and mutated message frames for fuzzing the decoder and real nodes: valid,
/// truncated, bit-flipped, spliced, or with extreme length fields (2^63 − 1, 2^64 − 1, 2^32 − 1).
/// Reproducible: the same seed gives the same frames.
public enum FrameMutator {
    /// SplitMix64: small, fast and reproducible across platforms.
    public struct SeededGenerator: RandomNumberGenerator {
        public var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public static let extremeLengths: [UInt64] = [.max, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64(UInt32.max), 1 << 32, 1 << 40, 0, 1, 7, 8, 9]

    public static func randomBytes(_ count: Int, using rng: inout SeededGenerator) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    public static func bigEndian(_ value: UInt64) -> Data { withUnsafeBytes(of: value.bigEndian) { Data($0) } }

    public static func mutatedFrame(using rng: inout SeededGenerator) -> Data {
        let envelope = #"{"id":"m","sender":"220183","receiver":"220100","type":"ping","sequence":1,"sentAt":"2026-11-29T00:00:00Z","chainHead":"x","payload":{"nonce":"n"}}"#
        let json = Bool.random(using: &rng) ? Data(envelope.utf8) : randomBytes(Int.random(in: 0...64, using: &rng), using: &rng)
        let attachments = (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomBytes(Int.random(in: 0...40, using: &rng), using: &rng) }
        var frame = FederationFrame.encode(json: json, attachments: attachments)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: break
        case 1: frame = frame.prefix(Int.random(in: 0...frame.count, using: &rng))
        case 2:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<frame.count, using: &rng)
                frame[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
        case 3:
            // An attachment length field replaced by an extreme value, as the attack did.
            var head = FederationFrame.encode(json: json)
            head.append(bigEndian(extremeLengths.randomElement(using: &rng)!))
            head.append(randomBytes(Int.random(in: 0...16, using: &rng), using: &rng))
            frame = head
        case 4:
            // The JSON length field replaced by an extreme 32-bit value.
            let value = UInt32(truncatingIfNeeded: extremeLengths.randomElement(using: &rng)!)
            withUnsafeBytes(of: value.bigEndian) { frame.replaceSubrange(4..<8, with: $0) }
        case 5: frame = Data("RVW1".utf8) + randomBytes(Int.random(in: 0...80, using: &rng), using: &rng)
        default: frame = randomBytes(Int.random(in: 0...80, using: &rng), using: &rng)
        }
        return frame
    }

}

/// SplitMix64: small, fast and reproducible across platforms.
public typealias SeededGenerator = FrameMutator.SeededGenerator
