import Foundation
import Glibc
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ReviewNode
import ReviewProtocol
import ReviewRules
@testable import ReviewStore
import ReviewTesting
import Testing

/// The second tester's findings, one kind per test: store files readable by others, console
/// paging that accepted what the API refuses, lax keyset cursors, JSON 404s under /console,
/// and HEAD answered 404.
@Suite struct BreakItRoundTwoTests {
    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
    }

    static func errorField(_ buffer: ByteBuffer) -> String? {
        (json(buffer)["error"] as? [String: Any])?["field"] as? String
    }

    // MARK: 1. File modes

    /// Under umask 022 a node creates its data directory 0700 and `node.sqlite` (with its WAL
    /// and shared-memory files) 0600, like `node.key`; a database left 0644 by an older build is
    /// narrowed when opened; a backup and a restored database are 0600.
    @Test func theStoreIsReadableByItsOwnerOnly() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let configuration = NodeConfiguration(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county,
                                              dataDirectory: data, configDirectory: Fixtures.configDirectory)
        let services = try NodeApplication.makeServices(configuration: configuration, today: .fixed(Fixtures.date("2026-06-15")), logger: Logger(label: "test"))
        try await services.store.write { db in try NodeStore.appendEvent(db, caseId: nil, actor: "system", action: "test") }
        #expect(Self.mode(data.path) == 0o700)
        for name in ["node.sqlite", "node.sqlite-wal", "node.sqlite-shm", "node.key"] {
            #expect(Self.mode(data.appendingPathComponent(name).path) == 0o600, "\(name)")
        }

        // An older database at 0644 (and its WAL) is narrowed on open.
        let old = root.appendingPathComponent("old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        let oldPath = old.appendingPathComponent("node.sqlite").path
        _ = try NodeStore(path: oldPath)
        for file in [oldPath, oldPath + "-wal"] where FileManager.default.fileExists(atPath: file) {
            #expect(chmod(file, 0o644) == 0)
        }
        _ = try NodeStore(path: oldPath)
        #expect(Self.mode(oldPath) == 0o600)

        // A backup is 0600; a restore into a new directory makes it 0700 and the database 0600.
        let backup = root.appendingPathComponent("backup.zip")
        try NodeBackup.create(dataDirectory: data, to: backup)
        #expect(Self.mode(backup.path) == 0o600)
        // Folders a backup makes for itself are 0700 (`reviewctl backup --to new/dir/x.zip`).
        let nested = root.appendingPathComponent("new/dir/backup.zip")
        try NodeBackup.create(dataDirectory: data, to: nested)
        #expect(Self.mode(root.appendingPathComponent("new").path) == 0o700)
        #expect(Self.mode(root.appendingPathComponent("new/dir").path) == 0o700)
        #expect(Self.mode(nested.path) == 0o600)
        let restored = root.appendingPathComponent("restored")
        try NodeBackup.restore(backup, into: restored, expectedNodeId: "220183")
        #expect(Self.mode(restored.path) == 0o700)
        #expect(Self.mode(restored.appendingPathComponent("node.sqlite").path) == 0o600)
        #expect(Self.mode(restored.appendingPathComponent("node.key").path) == 0o600)
    }

    // MARK: 2–5. Paging, cursors, console fallbacks, HEAD

    /// A county node with a few cases, a reviewer's token and the application.
    /// Runs `body` against a node of ``node()`` (in process, or over a socket when `live`),
    /// signed in to the console: the client, the session cookie, the bearer token and the node.
    static func withConsole(live: Bool = false, _ body: @escaping @Sendable (any TestClientProtocol, String, String, InProcessNode) async throws -> Void) async throws {
        let (node, token) = try await Self.node()
        defer { node.cleanUp() }
        let app = try node.application(today: Fixtures.date("2026-06-15"))
        try await app.test(live ? .live : .router) { client in
            try await body(client, try await InProcessNode.signIn(client, token: token), token, node)
        }
    }

    static func node() async throws -> (InProcessNode, String) {
        let node = try InProcessNode(nodeId: "220183", name: "德惠市政务服务和数字化建设管理局", tier: .county, prefix: "breakit2")
        let token = try await node.store.write { db in
            for n in 1...3 {
                let day = CivilDate(year: 2026, month: 6, day: n)!
                let record = CaseRecord(
                    id: "220183-2026-000\(n)", kind: .launch, level: .county, state: .submitted, title: "政策\(n)", documentNumber: nil,
                    draftingUnit: "德惠市科学技术局", divisionCode: "220183", originNode: "220183", submittedBy: nil, submittedOn: day, acceptedOn: nil,
                    clockStops: [], clockLimit: 10, dueOn: nil, effectiveDate: nil, lateApplication: false, currentRevision: 1, materialsDueOn: nil,
                    preliminaryConclusion: nil, opinionIssuedOn: nil, revisionDueOn: nil, revisedOn: nil, disagreement: nil, coordination: nil,
                    launchDate: nil, launchConfirmedOn: nil, createdAt: Date(), updatedAt: Date())
                try NodeStore.insert(db, case: record)
            }
            return try NodeStore.createUser(db, name: "审查员", role: .countyReviewer, unit: nil, isCityNode: false).1
        }
        return (node, token)
    }

    /// A console page refused for its paging: 422, the Chinese message, no parameter's name.
    static func expectRefusedPage(_ response: TestResponse, _ uri: String) {
        #expect(response.status == .unprocessableContent, "\(uri)")
        let page = String(buffer: response.body)
        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
        #expect(page.contains("翻页位置无效") || page.contains("每页条数无效"), "\(uri)")
        for name in ["offset", "limit", "after", "page"] {
            #expect(!page.contains("“\(name)”") && !page.contains("位置:\(name)"), "\(uri) names \(name)")
        }
        #expect(!page.contains("位置:"), "\(uri): no field is pointed at")
    }

    /// The console ledger refuses every paging value the API's ledger refuses (a negative or
    /// 21-digit offset, a bad limit), and a bad page number, as a Chinese 422 page; the inbox its
    /// page number; values the API takes work on both.
    @Test func consolePagingRefusesWhatTheAPIRefuses() async throws {
        try await Self.withConsole { client, cookie, token, node in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let refused: [(String, String)] = [
                ("offset=-5", "offset"), ("offset=123456789012345678901", "offset"), ("offset=%2B5", "offset"), ("offset=5x", "offset"),
                ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=-1", "limit"), ("limit=123456789012345678901", "limit"),
            ]
            for (query, field) in refused {
                try await client.execute(uri: "/api/v1/ledger?\(query)", method: .get, headers: bearer) { response in
                    #expect(response.status == .unprocessableContent, "\(query)")
                    #expect(Self.errorField(response.body) == field, "\(query)")
                }
                try await client.execute(uri: "/console/ledger?\(query)", method: .get, headers: [.cookie: cookie]) { response in
                    Self.expectRefusedPage(response, "/console/ledger?\(query)")
                }
            }
            for query in ["page=-1", "page=0", "page=abc", "page=123456789012345678901", "page=1000001"] {
                try await client.execute(uri: "/console/ledger?\(query)", method: .get, headers: [.cookie: cookie]) { response in
                    Self.expectRefusedPage(response, "/console/ledger?\(query)")
                }
                try await client.execute(uri: "/console?scope=all&\(query)", method: .get, headers: [.cookie: cookie]) { response in
                    Self.expectRefusedPage(response, "/console?\(query)")
                }
            }
            // Accepted values: an offset and a page size as the API takes them.
            try await client.execute(uri: "/api/v1/ledger?offset=1&limit=1", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
                #expect((Self.json(response.body)["entries"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/console/ledger?offset=1&limit=1", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let page = String(buffer: response.body)
                #expect(page.contains("220183-2026-0002") && !page.contains("220183-2026-0001\"") && !page.contains("220183-2026-0003\""))
                // The next page keeps the page size.
                #expect(page.contains("limit=1&amp;after="))
            }
        }
    }

    /// A cursor parses exactly or is refused: a valid one with `:x` (or anything else) after
    /// it, a signed or padded number, an id that is not a case id; the API names `after`, the
    /// console shows its Chinese page.
    @Test func cursorsParseExactly() async throws {
        #expect(LedgerEntry.Cursor("2026-06-01:220183-2026-0001") == LedgerEntry.Cursor(submittedOn: "2026-06-01", id: "220183-2026-0001"))
        for text in ["2026-06-01:220183-2026-0001:x", "2026-06-01:220183-2026-0001 ", "2026-06-01:x", "2026-6-01:220183-2026-0001",
                     "2026-06-01:", ":220183-2026-0001", "2026-06-01:220183-2026-0001-1"] {
            #expect(LedgerEntry.Cursor(text) == nil, "\(text)")
        }
        for text in ["c:220183-2026-0001:x", "t:3:220183-2026-0001:x", "t:+3:220183-2026-0001", "t:03:220183-2026-0001", "t:-0:220183-2026-0001",
                     "t:3:x", "c:x", "c:220183-2026-0001 "] {
            #expect(CaseReads.InboxCursor(text) == nil, "\(text)")
        }
        #expect(CaseReads.InboxCursor("t:9223372036854775807:220183-2026-0001")?.remaining == Int.max)
        for text in ["220183-2026-0001", "220100-2027-123456"] { #expect(CaseIdentifier.isWellFormed(text), "\(text)") }
        for text in ["220183-2026-0001:x", "x", "220183-2026-", "2201830-2026-0001", "220183-26-0001", "220183-2026-1234567", "２２０１８３-2026-0001"] {
            #expect(!CaseIdentifier.isWellFormed(text), "\(text)")
        }

        try await Self.withConsole { client, cookie, token, node in
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let ledgerCursor = "2026-06-01:220183-2026-0001"
            try await client.execute(uri: "/api/v1/ledger?after=\(ledgerCursor)", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
                #expect((Self.json(response.body)["entries"] as? [Any])?.count == 2)
            }
            for (path, bad) in [("/api/v1/ledger", ledgerCursor + ":x"), ("/api/v1/cases", "220183-2026-0001:x"), ("/api/v1/cases", "abc")] {
                try await client.execute(uri: "\(path)?after=\(bad)", method: .get, headers: bearer) { response in
                    #expect(response.status == .unprocessableContent, "\(path) \(bad)")
                    #expect(Self.errorField(response.body) == "after", "\(path) \(bad)")
                }
            }
            try await client.execute(uri: "/api/v1/cases?after=220183-2026-0001", method: .get, headers: bearer) { response in
                #expect(response.status == .ok)
            }
            for uri in ["/console/ledger?after=\(ledgerCursor):x&page=2", "/console?scope=all&after=c:220183-2026-0001:x&page=2",
                        "/console?scope=all&after=t:%2B3:220183-2026-0001&page=2"] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { response in
                    Self.expectRefusedPage(response, uri)
                }
            }
            try await client.execute(uri: "/console/ledger?after=\(ledgerCursor)&page=2", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// Under /console an address no route answers is a Chinese page, never the API's JSON: a
    /// known address with another method is 405 with `Allow`, an unknown one 404; the API's
    /// addresses keep their JSON 404.
    @Test func consoleAddressesWithoutARouteAreChinesePages() async throws {
        try await Self.withConsole { client, cookie, token, node in
            let cases: [(String, HTTPRequest.Method, HTTPResponse.Status, String?)] = [
                ("/console/cases/220183-2026-0001/actions/accept", .get, .methodNotAllowed, "POST"),
                ("/console/ledger", .post, .methodNotAllowed, "GET, HEAD"),
                ("/console", .delete, .methodNotAllowed, "GET, HEAD"),
                ("/console/login", .put, .methodNotAllowed, "GET, HEAD, POST"),
                ("/console/no-such-page", .post, .notFound, nil),
                ("/console/no/such/page", .get, .notFound, nil),
            ]
            for (uri, method, status, allow) in cases {
                for headers in [[.cookie: cookie], [:]] as [HTTPFields] {
                    try await client.execute(uri: uri, method: method, headers: headers) { response in
                        // Without a session a GET to an unknown page goes to sign-in first.
                        if method == .get, status == .notFound, headers.isEmpty {
                            #expect(response.status == .seeOther)
                            return
                        }
                        #expect(response.status == status, "\(method) \(uri)")
                        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(method) \(uri)")
                        #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                        let page = String(buffer: response.body)
                        #expect(page.contains(status == .notFound ? "页面不存在" : "此页面不能以这种方式打开"), "\(method) \(uri)")
                        #expect(!page.contains("{\"error\""), "\(method) \(uri)")
                    }
                }
            }
            // A fault nobody mapped (these seeded cases have no form revision) is a Chinese 500
            // page too, not the API's JSON.
            try await client.execute(uri: "/console/cases/220183-2026-0001", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("服务器内部错误"))
            }
            // The API keeps its JSON.
            for (uri, method) in [("/api/v1/ledger", HTTPRequest.Method.post), ("/api/v1/no-such", .get), ("/nowhere", .get)] {
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .notFound, "\(method) \(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(method) \(uri)")
                }
            }
        }
    }

    /// HEAD answers wherever GET does, with GET's status and headers and no body: /health, the
    /// API (and its 401 without a token) and console pages, in process and over a socket.
    @Test(arguments: [false, true])
    func headAnswersLikeGet(live: Bool) async throws {
        try await Self.withConsole(live: live) { client, cookie, token, node in
            let requests: [(String, HTTPFields)] = [
                ("/health", [:]),
                ("/api/v1/ledger?limit=2", [.authorization: "Bearer \(token)"]),
                ("/api/v1/cases?limit=2", [.authorization: "Bearer \(token)"]),
                ("/api/v1/cases/220183-2026-0404", [.authorization: "Bearer \(token)"]),
                ("/api/v1/ledger", [:]),
                ("/console/ledger", [.cookie: cookie]),
                ("/console?scope=all", [.cookie: cookie]),
                ("/console/cases/220183-2026-0404", [.cookie: cookie]),
                ("/console/ledger", [:]),
                ("/console/no-such-page", [.cookie: cookie]),
            ]
            for (uri, headers) in requests {
                let get = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                try await client.execute(uri: uri, method: .head, headers: headers) { head in
                    #expect(head.status == get.status, "HEAD \(uri)")
                    #expect(head.status != .notFound || uri.contains("-0404") || uri.hasPrefix("/console/no-such"), "HEAD \(uri)")
                    #expect(head.status != .internalServerError, "HEAD \(uri)")
                    #expect(head.body.readableBytes == 0, "HEAD \(uri)")
                    for name in [HTTPField.Name.contentType, .location, .cacheControl, .contentDisposition] {
                        #expect(head.headers[name] == get.headers[name], "HEAD \(uri) \(name)")
                    }
                }
            }
            // The year archive: GET's headers, and no archive written (no body would remove it).
            try await client.execute(uri: "/console/ledger/archive.zip?year=2026", method: .head, headers: [.cookie: cookie]) { head in
                #expect(head.status == .ok)
                #expect(head.headers[.contentDisposition] == "attachment; filename=\"archive-2026.zip\"")
            }
            let work = node.configuration.dataDirectory.appendingPathComponent("tmp").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasPrefix("archive-") }.isEmpty)
        }
    }
}
