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
