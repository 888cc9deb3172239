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

/// Strict input, the whole kind (hardening issue §4): what Foundation forgives or misplaces is
/// refused with the field's path and the real line and column.
@Suite struct StrictInputTests {
    static let clean: String = {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Config/examples/launch-clean.json")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    func refusal(_ json: String) -> ProtocolError? {
        do {
            _ = try StrictJSONDecoder.decode(CaseForm.self, from: Data(json.utf8))
            return nil
        } catch let error as ProtocolError {
            return error
        } catch {
            Issue.record("not a ProtocolError: \(error)")
            return nil
        }
    }

    /// The clean example with the first `old` replaced by `new`.
    func edited(_ old: String, _ new: String) -> String {
        guard let range = Self.clean.range(of: old) else {
            Issue.record("the fixture lacks \(old)")
            return Self.clean
        }
        return Self.clean.replacingCharacters(in: range, with: new)
    }

    @Test func aDuplicateKeyIsRefusedNamingTheKeyAndItsPath() throws {
        // Python and JavaScript read the last value (110105), Foundation the first: refuse both.
        let error = try #require(refusal(edited(#""divisionCode": "220183","#, #""divisionCode": "220183", "divisionCode": "110105","#)))
        #expect(error.code == .duplicateKey)
        #expect(error.field == "policy.divisionCode")
        #expect(error.line == 7)
        #expect(error.column == 31)
        // The same key spelt with an escape is the same key.
        let escaped = try #require(refusal(#"{"formatVersion":1,"formatVers\u0069on":1}"#))
        #expect(escaped.code == .duplicateKey)
        #expect(escaped.field == "formatVersion")
        // Deep inside an array too.
        let nested = try #require(refusal(edited(#""times": 1"#, #""times": 1, "times": 2"#)))
        #expect(nested.field == "serviceItems[0].applicationCount.times")
    }

    @Test func aTrailingCommaIsRefusedWithItsLineAndColumn() throws {
        let object = try #require(refusal("{\n  \"formatVersion\": 1,\n}"))
        #expect(object.code == .invalidJSON)
        #expect(object.line == 3)
        #expect(object.column == 1)
        let array = try #require(refusal(edited("\"220183\"\n      ],", "\"220183\",\n      ],")))
        #expect(array.code == .invalidJSON)
        #expect(array.field == "serviceItems[0].region")
        #expect(array.line == 22)  // where ']' follows the comma
    }

    @Test(arguments: [-1, 0, 2]) func onlyFormatVersionOneExists(_ version: Int) throws {
        let error = try #require(refusal(edited(#""formatVersion": 1,"#, #""formatVersion": \#(version),"#)))
        #expect(error.code == .invalidValue)
        #expect(error.field == "formatVersion")
    }

    @Test(arguments: [
        (#""times": 1"#, #""times": 1.5"#, "serviceItems[0].applicationCount.times"),
        (#""times": 1"#, #""times": 0.5"#, "serviceItems[0].applicationCount.times"),
        (#""internalApprovalDays": 13"#, #""internalApprovalDays": 13.5"#, "serviceItems[0].internalApprovalDays"),
        (#""copies": 1"#, #""copies": 1.5"#, "serviceItems[0].applicationMaterials[0].copies"),
        (#""days": 5"#, #""days": 5.5"#, "serviceItems[0].publicity.days"),
    ])
    func aFractionWhereAWholeNumberIsExpectedNamesTheField(_ old: String, _ new: String, _ path: String) throws {
        let error = try #require(refusal(edited(old, new)))
        #expect(error.field == path)
        #expect(error.code == .wrongType || error.code == .invalidValue)
    }

    @Test func everyWholeNumberElementNamesItsPath() throws {
        let form = try StrictJSONDecoder.decode(CaseForm.self, from: Data(Self.clean.utf8))
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(form)) as? [String: Any])
        var items = try #require(object["serviceItems"] as? [[String: Any]])
        for key in ["internalApprovalDays", "redemptionDays"] {
            var item = items[0]
            item[key] = 13.5
            items[0] = item
            object["serviceItems"] = items
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let error = try #require(refusal(text))
            #expect(error.field == "serviceItems[0].\(key)", "\(key)")
            items[0][key] = 5
        }
    }

    @Test func aNumberTooLargeIsReportedWhereItStands() throws {
        let error = try #require(refusal(edited(#""times": 1"#, #""times": 1e400"#)))
        #expect(error.field == "serviceItems[0].applicationCount.times")
        #expect(error.line == 36)
        #expect(error.column == 18)
    }

    @Test func anIntegerBeyondSixtyFourBitsNamesTheField() throws {
        let error = try #require(refusal(edited(#""internalApprovalDays": 13"#, #""internalApprovalDays": 99999999999999999999"#)))
        #expect(error.field == "serviceItems[0].internalApprovalDays")
        #expect(error.code == .inexactNumber)
    }

    /// Break-it finding: 9007199254740993 in a form was stored (and forwarded, and shown) as
    /// 9007199254740992, the double nearest to it. Any number a double cannot hold as written
    /// is refused, naming its field; what a double holds exactly passes as written.
    @Test(arguments: ["9007199254740993", "-9007199254740995", "0.30000000000000000001", "12345678.123456789", "1e-400", "123456789012345678901234567890"])
    func aNumberADoubleCannotHoldAsWrittenIsRefused(_ number: String) throws {
        let error = try #require(refusal(edited(#""value": 50,"#, #""value": \#(number),"#)))
        #expect(error.code == .inexactNumber)
        #expect(error.field == "serviceItems[0].redemptionCap.amount.value", "\(error)")
    }

    @Test(arguments: ["9007199254740992", "0.1", "5e1", "1e-7", "-0", "0.000", "12000.50", "1E+2", "-3.75e-3", "100000000000000000000",
                      "0e-5", "0e99999999999999999999", "-0.0e-99999999999999999999"])
    func aNumberADoubleHoldsExactlyPassesAsWritten(_ number: String) throws {
        let form = try StrictJSONDecoder.decode(CaseForm.self, from: Data(edited(#""value": 50,"#, #""value": \#(number),"#).utf8))
        #expect(form.serviceItems[0].redemptionCap?.amount?.value == Double(number))
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = try #require(refusal(#"{"formatVersion":1,"x":"# + deep + "}"))
        #expect(error.code == .invalidJSON)
    }

    @Test(arguments: ["{\"a\":1 \"b\":2}", "{\"a\":01}", "{\"a\":\"\u{01}\"}", "{\"a\":\"\\x\"}", "{\"a\":tru}", "{\"a\":1}x", "{\"a\":\"\\ud800\"}", "{'a':1}", "", "   "])
    func malformedDocumentsAreSyntaxErrors(_ text: String) throws {
        let error = try #require(refusal(text))
        #expect(error.code == .invalidJSON)
        #expect(error.line != nil)
    }

    @Test func theSyntaxCheckNeverTrapsOnRandomBytes() {
        var rng = SeededGenerator(state: 0xD0C5)
        let alphabet = Array(#"{}[]:,"\ 0123456789.eE+-truefalsnul"#.utf8) + [0x0A, 0xE4, 0xB8, 0xAD]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            let bytes = Data((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            do {
                try JSONSyntax.validate(bytes)
            } catch is ProtocolError {
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
