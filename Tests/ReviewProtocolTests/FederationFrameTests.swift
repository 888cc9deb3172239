import Foundation
import ReviewProtocol
import Testing

@Suite struct FederationFrameTests {
    @Test func roundTripsJSONAndBinaryAttachments() throws {
        let json = Data(#"{"id":"1"}"#.utf8)
        let attachments = [Data([0, 1, 2, 255]), Data(), Data(repeating: 7, count: 100_000)]
        let body = FederationFrame.encode(json: json, attachments: attachments)
        #expect(body.prefix(4) == Data("RVW1".utf8))
        let decoded = try FederationFrame.decode(body)
        #expect(decoded.json == json)
        #expect(decoded.attachments == attachments)
        #expect(try FederationFrame.decode(FederationFrame.encode(json: json)).attachments.isEmpty)
    }

    @Test(arguments: [Data(), Data("RVW2\0\0\0\0".utf8), Data("{\"id\":1}".utf8)])
    func refusesWhatIsNotAFrame(_ body: Data) {
        #expect(throws: ProtocolError.self) { try FederationFrame.decode(body) }
    }

    @Test func refusesTruncatedFrames() {
        let body = FederationFrame.encode(json: Data("{}".utf8), attachments: [Data(repeating: 1, count: 50)])
        for cut in [6, 9, body.count - 1] {
            #expect(throws: ProtocolError.self) { try FederationFrame.decode(body.prefix(cut)) }
        }
    }
}

/// The frame decoder and the envelope decoder behind it never trap, whatever the bytes: a seeded
/// mutator (reproducible: the seed is printed with any failure) builds frames that are valid,
/// truncated, bit-flipped, spliced, or carry extreme length fields (2^63 − 1, 2^64 − 1, 2^32 − 1).
@Suite struct FederationFrameFuzzTests {
    /// SplitMix64: small, fast and reproducible across platforms.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let extremeLengths: [UInt64] = [.max, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64(UInt32.max), 1 << 32, 1 << 40, 0, 1, 7, 8, 9]

    static func randomBytes(_ count: Int, using rng: inout SeededGenerator) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    static func bigEndian(_ value: UInt64) -> Data { withUnsafeBytes(of: value.bigEndian) { Data($0) } }

    static func mutatedFrame(using rng: inout SeededGenerator) -> Data {
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

    @Test func aHundredThousandRandomAndMutatedFramesNeverTrap() {
        let seed = UInt64(0x5EED_2026_1129)
        var rng = SeededGenerator(state: seed)
        var decoded = 0
        var refused = 0
        for index in 0..<100_000 {
            let frame = Self.mutatedFrame(using: &rng)
            // A slice with a non-zero start index, as NIO hands bodies over, must decode the same.
            let input = index % 2 == 0 ? frame : (Data([0xAA]) + frame).dropFirst()
            do {
                let (json, attachments) = try FederationFrame.decode(input)
                decoded += 1
                // What decodes re-encodes to the same bytes: nothing was skipped or invented.
                #expect(FederationFrame.encode(json: json, attachments: attachments) == frame, "seed \(seed), frame \(index)")
                _ = try? JSONDecoder().decode(FederationHeader.self, from: json)
            } catch is ProtocolError {
                refused += 1
            } catch {
                Issue.record("frame \(index) (seed \(seed)) threw \(error), not a ProtocolError")
            }
        }
        #expect(decoded + refused == 100_000)
        #expect(decoded > 10_000 && refused > 10_000, "the mutator must produce both kinds: \(decoded) decoded, \(refused) refused")
    }

    @Test(arguments: FederationFrameFuzzTests.extremeLengths)
    func anExtremeAttachmentLengthIsTruncationNotACrash(_ length: UInt64) throws {
        // The reported attack: RVW1, a 2-byte JSON length, {}, then an attachment length of 2^63 − 1.
        var frame = FederationFrame.encode(json: Data("{}".utf8))
        frame.append(Self.bigEndian(length))
        if length == 0 {
            #expect(try FederationFrame.decode(frame).attachments == [Data()])
        } else {
            #expect(throws: ProtocolError.self) { try FederationFrame.decode(frame) }
        }
    }
}
