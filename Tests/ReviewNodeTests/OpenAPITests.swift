import Foundation
import ReviewNode
import ReviewTesting
import Testing

/// deploy/openapi.yaml documents exactly the routes the node registers.
@Suite struct OpenAPITests {
    @Test func documentedRoutesMatchTheRouter() throws {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("deploy/openapi.yaml"), encoding: .utf8)
        var documented: [String] = []
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                currentPath = nil
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) ?? ""
                if ["get", "post", "put", "delete", "patch"].contains(key) {
                    documented.append("\(key.uppercased()) \(path)")
                }
            }
        }
        let expected = NodeRoutes.documentedRoutes + ["GET /health", "GET /metrics", "POST /federation/v1/messages", "POST /federation/v1/batch"]
        #expect(Set(documented) == Set(expected))
        #expect(documented.count == expected.count)
    }
}
