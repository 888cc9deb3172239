import Foundation
import ReviewProtocol
import ReviewTesting
import Testing

/// Config/README.md documents the form; these keep it true.
@Suite struct DocumentationTests {
    let text: String
    init() throws {
        text = try String(contentsOf: Fixtures.configDirectory.appendingPathComponent("README.md"), encoding: .utf8)
    }

    @Test func everyElementIsDocumentedWithItsChineseName() {
        for element in Element.allCases {
            #expect(text.contains("| `\(element.rawValue)` | \(element.chineseName) |"), "\(element.rawValue)")
        }
    }

    @Test func everyFindingCodeIsDocumented() {
        for code in FindingCode.allCases {
            #expect(text.contains("| `\(code.rawValue)` |"), "\(code.rawValue)")
        }
    }

    @Test func everyMaterialKindIsDocumented() {
        for kind in MaterialKind.allCases {
            #expect(text.contains("`\(kind.rawValue)`"), "\(kind.rawValue)")
        }
    }
}
