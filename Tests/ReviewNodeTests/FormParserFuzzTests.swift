import Foundation
import HTTPTypes
@testable import ReviewNode
import ReviewTesting
import Testing

/// The console's form parsers (URL-encoded and multipart, MultipartKit underneath) never trap,
/// whatever the bytes: seeded random and mutated bodies, each either parsed or refused with an
/// `APIError` (a 4xx), never anything else.
@Suite struct FormParserFuzzTests {
    static let boundary = "----review-fuzz"

    static func multipartBody(using rng: inout SeededGenerator) -> Data {
        var body = Data()
        for index in 0..<Int.random(in: 0...3, using: &rng) {
            body.append(Data("--\(boundary)\r\n".utf8))
            if Bool.random(using: &rng) {
                body.append(Data("Content-Disposition: form-data; name=\"material-other\"; filename=\"f\(index).bin\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
                body.append(FrameMutator.randomBytes(Int.random(in: 0...64, using: &rng), using: &rng))
            } else {
                body.append(Data("Content-Disposition: form-data; name=\"field\(index)\"\r\n\r\n值\(index)".utf8))
            }
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: break
        case 1: body = body.prefix(Int.random(in: 0...body.count, using: &rng))
        case 2:
            for _ in 0..<Int.random(in: 1...6, using: &rng) where !body.isEmpty {
                let at = Int.random(in: 0..<body.count, using: &rng)
                body[at] = UInt8.random(in: 0...255, using: &rng)
            }
        case 3: body = FrameMutator.randomBytes(Int.random(in: 0...120, using: &rng), using: &rng)
        default:
            // Header lines without end, quotes left open, huge declared names.
            body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(String(repeating: "x", count: 5000))\r\n\r\n".utf8)
        }
        return body
    }

    @Test func tenThousandBodiesThroughBothParsers() {
        var rng = SeededGenerator(state: 0xF0_2026)
        var parsed = 0
        var refused = 0
        let alphabet = Array("a=&%+b=%E4%B8%AD%ZZ%%=&&==csrf".utf8) + [0xFF, 0xC3, 0x00]
        for index in 0..<10_000 {
            let urlEncoded = Data((0..<Int.random(in: 0...60, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 })
            _ = ConsoleForm.urlEncoded(urlEncoded)
            let body = Self.multipartBody(using: &rng)
            do {
                _ = try ConsoleForm.multipart(body, boundary: index % 7 == 0 ? "x" : Self.boundary)
                parsed += 1
            } catch let error as APIError {
                #expect((400..<500).contains(Int(error.status.code)))
                refused += 1
            } catch {
                Issue.record("body \(index): \(error) is not an APIError")
            }
        }
        #expect(parsed > 500 && refused > 100, "\(parsed) parsed, \(refused) refused")
    }
}

extension FormParserFuzzTests {
    /// Found by the fuzz run: MultipartKit 4.7.1 trapped on a byte ≥ 0x80 in a part's header
    /// name, so one multipart post (to the sign-in page, before any session) ended the node.
    @Test func aNonASCIIHeaderNameIsRefusedNotATrap() throws {
        let body = Data("--\(Self.boundary)\r\nContent-Dispositi\u{00E9}n: form-data; name=\"a\"\r\n\r\nx\r\n--\(Self.boundary)--\r\n".utf8)
        #expect(throws: APIError.self) { try ConsoleForm.multipart(body, boundary: Self.boundary) }
        // A Chinese file name in the header's value is fine.
        let chinese = Data("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"material-other\"; filename=\"申请函.pdf\"\r\n\r\nx\r\n--\(Self.boundary)--\r\n".utf8)
        let form = try ConsoleForm.multipart(chinese, boundary: Self.boundary)
        #expect(form.files["material-other"]?.first?.fileName == "申请函.pdf")
        // Many boundaries without a blank line: still linear.
        let repeated = Data(String(repeating: "--\(Self.boundary)", count: 20_000).utf8)
        let started = ContinuousClock.now
        _ = try? ConsoleForm.multipart(repeated, boundary: Self.boundary)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
