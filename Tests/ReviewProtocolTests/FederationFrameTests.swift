import Foundation
import ReviewProtocol
import ReviewTesting
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
    @Test func aHundredThousandRandomAndMutatedFramesNeverTrap() {
        let seed = UInt64(0x5EED_2026_1129)
        var rng = SeededGenerator(state: seed)
        var decoded = 0
        var refused = 0
        for index in 0..<100_000 {
            let frame = FrameMutator.mutatedFrame(using: &rng)
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

    @Test(arguments: FrameMutator.extremeLengths)
    func anExtremeAttachmentLengthIsTruncationNotACrash(_ length: UInt64) throws {
        // The reported attack: RVW1, a 2-byte JSON length, {}, then an attachment length of 2^63 − 1.
        var frame = FederationFrame.encode(json: Data("{}".utf8))
        frame.append(FrameMutator.bigEndian(length))
        if length == 0 {
            #expect(try FederationFrame.decode(frame).attachments == [Data()])
        } else {
            #expect(throws: ProtocolError.self) { try FederationFrame.decode(frame) }
        }
    }
}
