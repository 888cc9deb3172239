import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

@Suite struct StrictJSONDecoderTests {
    private func refusal(_ json: String) -> ProtocolError? {
        do {
            _ = try StrictJSONDecoder.decode(CaseForm.self, from: Data(json.utf8))
            return nil
        } catch let error as ProtocolError {
            return error
        } catch {
            return nil
        }
    }

    @Test func examplesDecodeAndRoundTrip() throws {
        for name in ["launch-clean.json", "launch-defective.json", "withdrawal-clean.json"] {
            let form = try Fixtures.example(name)
            let again = try StrictJSONDecoder.decode(CaseForm.self, from: JSONEncoder().encode(form))
            #expect(again == form, "\(name)")
        }
    }

    @Test func unknownFieldIsNamedWithItsPath() throws {
        let error = try #require(refusal(#"{"formatVersion":1,"policy":{"level":"county","kind":"launch"},"serviceItems":[{"itemName":"a"},{"itemNme":"b"}],"materials":[]}"#))
        #expect(error.code == .unknownField)
        #expect(error.field == "serviceItems[1].itemNme")
    }

    @Test func nullForAnOptionalElementIsAccepted() {
        #expect(refusal(#"{"formatVersion":1,"policy":{"level":"county","kind":"launch","title":null},"serviceItems":[{"validity":null}],"materials":[]}"#) == nil)
    }

    @Test func wrongTypeNamesTheField() throws {
        let error = try #require(refusal(#"{"formatVersion":1,"policy":{"level":"county","kind":"launch"},"serviceItems":[{"redemptionDays":"15个工作日"}],"materials":[]}"#))
        #expect(error.code == .wrongType)
        #expect(error.field == "serviceItems[0].redemptionDays")
    }

    @Test func missingRequiredFieldAndBadEnum() throws {
        let missing = try #require(refusal(#"{"formatVersion":1,"policy":{"level":"county"},"serviceItems":[],"materials":[]}"#))
        #expect(missing.code == .missingField)
        #expect(missing.field == "policy.kind")
        let badEnum = try #require(refusal(#"{"formatVersion":1,"policy":{"level":"town","kind":"launch"},"serviceItems":[],"materials":[]}"#))
        #expect(badEnum.code == .invalidValue)
        #expect(badEnum.field == "policy.level")
    }

    @Test func syntaxErrorHasLineAndColumn() throws {
        let error = try #require(refusal("{\"formatVersion\":\n  1,,}"))
        #expect(error.code == .invalidJSON)
        #expect(error.line == 2)
        #expect(error.column == 5)
    }

    @Test func invalidUTF8IsRefusedEvenInsideAnUnusedString() throws {
        var data = Data(#"{"formatVersion":1,"x":""#.utf8)
        data.append(0xFF)
        data.append(contentsOf: Array(#""}"#.utf8))
        #expect(throws: ProtocolError.self) { try StrictJSONDecoder.decode(CaseForm.self, from: data) }
        do {
            _ = try StrictJSONDecoder.decode(CaseForm.self, from: data)
        } catch let error as ProtocolError {
            #expect(error.code == .invalidUTF8)
            #expect(error.column == 25)  // 24 bytes precede the bad one
        }
    }
}
