import ArgumentParser
import CurlClient
import Crypto
import Foundation
import ReviewProtocol
import ReviewStore

/// The reference consumer of the city's published feed (Art 14): mirrors
/// `GET /api/v1/published` into a local SQLite file, verifying every change's signature
/// against the city's key history, resumable from its cursor. Exit codes: 0 done, 1 a change
/// did not verify or the feed skipped one (nothing of that page kept), 2 bad input or the node
/// unreachable.
@main
struct PublishedMirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "published-mirror",
        abstract: "Mirror a city node's published service items into SQLite, verifying every signature.",
        subcommands: [Sync.self, Status.self], defaultSubcommand: Sync.self)

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull the feed from the mirror's cursor until caught up (or keep following).")
        @Option(help: "The city node's base URL, e.g. http://127.0.0.1:8081.") var url: String
        @Option(help: "A bearer token of a `platform` account (or the REVIEW_TOKEN environment variable).") var token: String?
        @Option(help: "The mirror's SQLite file (created if absent).") var database: String
        @Option(help: ArgumentHelp("A keyring file (reviewctl keys export); default: the node's GET /api/v1/federation/keys.", valueName: "file")) var keyring: String?
        @Option(help: "Changes per page (1-500).") var limit: Int = 100
        @Flag(help: "Keep polling after catching up.") var follow = false
        @Option(help: "Seconds between polls with --follow.") var interval: Double = 0.5

        func run() async throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1-500") }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false else {
                throw ValidationError("--url must be an http or https URL, e.g. http://127.0.0.1:8081")
            }
            guard let token = token ?? ProcessInfo.processInfo.environment["REVIEW_TOKEN"], !token.isEmpty else {
                throw ValidationError("no token: pass --token or set REVIEW_TOKEN")
            }
            let base = url.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let client = CurlHTTPClient()
            let mirror = try PublishedMirror(path: database)
            var trusted = try await loadKeyring(client: client, base: base, token: token)
            while true {
                let after = try mirror.cursor()
                let page: PublishedFeedPage = try await get("\(base)/api/v1/published?after=\(after)&limit=\(limit)", client: client, token: token)
                do {
                    let applied = try mirror.apply(page.changes, keyring: trusted)
                    if applied > 0 { print("applied \(applied) change(s), cursor \(try mirror.cursor())") }
                } catch let error as MirrorError where keyring == nil && !page.changes.isEmpty {
                    // A key rotated since the keyring was read: read it again once.
                    trusted = try await loadKeyring(client: client, base: base, token: token)
                    do {
                        _ = try mirror.apply(page.changes, keyring: trusted)
                    } catch let again as MirrorError {
                        print("INVALID: \(again.message)")
                        throw ExitCode(1)
                    }
                    _ = error
                } catch let error as MirrorError {
                    print("INVALID: \(error.message)")
                    throw ExitCode(1)
                }
                if page.hasMore { continue }
                guard follow else { break }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
            print("caught up: cursor \(try mirror.cursor())")
        }

        func loadKeyring(client: CurlHTTPClient, base: String, token: String) async throws -> Keyring {
            if let keyring {
                guard let data = FileManager.default.contents(atPath: keyring) else { throw MirrorFailure("cannot read \(keyring)") }
                do { return try StrictJSONDecoder.decode(Keyring.self, from: data) } catch { throw MirrorFailure("\(keyring): not a keyring: \(error)") }
            }
            return try await get("\(base)/api/v1/federation/keys", client: client, token: token)
        }

        func get<T: Decodable>(_ url: String, client: CurlHTTPClient, token: String) async throws -> T {
            let response: HTTPClientResponse
            do {
                response = try await client.send(HTTPClientRequest(method: "GET", url: url, headers: [("Authorization", "Bearer \(token)")], body: nil))
            } catch {
                throw MirrorFailure("cannot reach \(url): \(error)")
            }
            guard response.status == 200 else {
                throw MirrorFailure("GET \(url): HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            }
            do {
                return try JSONDecoder().decode(T.self, from: response.body)
            } catch {
                throw MirrorFailure("GET \(url): unreadable answer: \(error)")
            }
        }
    }

    /// What a test or an operator compares with the city: the cursor, every change's digest,
    /// and the current set on a date.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the mirror as JSON: cursor, changes (sequence, item, SHA-256 of the signed bytes), current set.")
        @Option(help: "The mirror's SQLite file.") var database: String
        @Option(help: "The date (YYYY-MM-DD, Beijing) of the current set; default today.") var on: String?

        func run() throws {
            guard FileManager.default.fileExists(atPath: database) else { throw MirrorFailure("no mirror at \(database)") }
            let date: CivilDate
            if let on {
                guard let parsed = CivilDate(iso: on) else { throw ValidationError("--on: '\(on)' is not YYYY-MM-DD") }
                date = parsed
            } else {
                date = CivilDate(beijingDayOf: Date())
            }
            let mirror = try PublishedMirror(path: database)
            let changes = try mirror.changes().map { change -> [String: Any] in
                ["sequence": change.sequence, "itemId": change.itemId, "change": change.change.rawValue, "effectiveOn": change.effectiveOn.description,
                 "sha256": sha256Hex(change.document)]
            }
            let object: [String: Any] = ["cursor": try mirror.cursor(), "changes": changes, "currentSet": try mirror.currentSet(on: date)]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Lower-case hex SHA-256.
func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// A failure while running (unreachable node, refused request, unreadable data): one line and
/// exit status 1, without the usage text that ArgumentParser prints for a `ValidationError`.
struct MirrorFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
