import CurlClient
import Foundation
import ReviewTesting
import Testing

/// The libcurl client against a real node on loopback.
@Suite(.serialized) struct CurlHTTPClientTests {
    @Test func getPostLimitsAndErrors() async throws {
        let node = try NodeProcess(tier: "city", nodeId: "220100", name: "长春市政数局")
        defer { node.cleanUp() }
        let client = CurlHTTPClient()
        let health = try await client.send(HTTPClientRequest(url: "\(node.baseURL.absoluteString)/health"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).contains("\"node\":\"220100\""))

        // A POST body over 1 KiB (no Expect round trip), answered with a JSON 401.
        let big = Data(repeating: UInt8(ascii: "x"), count: 200_000)
        let post = try await client.send(HTTPClientRequest(method: "POST", url: "\(node.baseURL.absoluteString)/api/v1/materials", body: big))
        #expect(post.status == 401)
        #expect(String(decoding: post.body, as: UTF8.self).contains("unauthenticated"))

        // Concurrent requests share the pool.
        let url = "\(node.baseURL.absoluteString)/health"
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await client.send(HTTPClientRequest(url: url)).status }
            }
            for try await status in group { #expect(status == 200) }
        }

        var small = CurlHTTPClient.Configuration()
        small.maxResponseBytes = 10
        do {
            _ = try await CurlHTTPClient(configuration: small).send(HTTPClientRequest(url: "\(node.baseURL.absoluteString)/health"))
            Issue.record("a response over the limit was accepted")
        } catch let error as CurlClientError {
            #expect(error.kind == .responseTooLarge)
        }
    }

    @Test func aRefusedConnectionSaysWhereAndWhat() async throws {
        do {
            _ = try await CurlHTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:1/health"))
            Issue.record("connected to port 1")
        } catch let error as CurlClientError {
            #expect(error.kind == .connect)
            #expect(error.description.hasPrefix("http://127.0.0.1:1/health: "))
        }
    }
}
