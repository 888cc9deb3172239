import ArgumentParser
import CurlClient
import Foundation
import ReviewNode
import ReviewProtocol
import ReviewStore

/// `reviewctl link …`: link cards, links between nodes, their checks.
struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link this node to its peers with link cards (id, name, division, tier, URL, public key).",
        subcommands: [Export.self, Import.self, List.self, Enable.self, Disable.self, Check.self, Rekey.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print this node's link card (JSON) for the peer's operator.")
        @OptionGroup var location: NodeLocation
        @Option(help: ArgumentHelp("The URL peers reach this node at (default: the configuration's publicURL or http://host:port).", valueName: "url"))
        var baseURL: String?

        func run() throws {
            if let baseURL {
                guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
                    throw CLIFailure("--base-url: '\(baseURL.prefix(80))' is not an http(s) URL")
                }
            }
            let card: LinkCard
            if location.nodeConfig != nil {
                let configuration = try location.configuration()
                try NodeStore.createPrivateDirectory(at: configuration.dataDirectory)
                let identity = try NodeIdentity.loadOrCreate(in: configuration.dataDirectory)
                card = Links.card(configuration: configuration, identity: identity, baseURL: baseURL)
            } else {
                // From the data directory of a node that has run: what it recorded at start.
                let directory = try location.dataDirectory()
                let (store, _) = try location.open()
                let details = try store.nodeDetails()
                guard let nodeId = details["nodeId"], let tier = details["tier"].flatMap(Tier.init(rawValue:)), let name = details["name"],
                      let url = baseURL ?? details["baseURL"]
                else { throw CLIFailure("\(directory.path): the node has not run since its details were recorded; start it once, or use --node-config") }
                guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("node.key").path) else {
                    throw CLIFailure("\(directory.path): no node.key; start the node once")
                }
                let identity = try NodeIdentity.loadOrCreate(in: directory)
                card = LinkCard(nodeId: nodeId, name: name, divisionCode: nodeId, tier: tier, baseURL: url, publicKey: identity.publicKeyBase64,
                                maxMessageBytes: details["maxMessageBytes"].flatMap(Int.init))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(card), as: UTF8.self))
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create (or update) the link to the peer whose card is given.")
        @OptionGroup var location: NodeLocation
        @Argument(help: ArgumentHelp("The peer's card: a file, or - for standard input.", valueName: "card"))
        var card: String

        func run() async throws {
            let configuration = try location.configuration()
            let data: Data?
            if card == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: card)
            }
            guard let data else { throw CLIFailure("\(card): cannot read the card") }
            let linkCard: LinkCard
            do {
                linkCard = try StrictJSONDecoder.decode(LinkCard.self, from: data)
            } catch {
                throw CLIFailure("\(card): not a link card: \(error)")
            }
            let (store, _) = try location.open()
            let link = try await store.write { db in
                do {
                    return try Links.importCard(db, linkCard, own: configuration)
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            print("linked \(link.nodeId) \(link.name) (\(link.tier.rawValue)) at \(link.baseURL), key fingerprint \(NodeIdentity.fingerprint(ofPublicKey: link.publicKey))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the links with their queues and each peer's key history.")
        @OptionGroup var location: NodeLocation

        func run() async throws {
            let (store, _) = try location.open()
            let (links, keys) = try await store.read { db in (try Links.status(db), try NodeStore.keyHistory(db)) }
            for link in links {
                print([link.nodeId, link.tier.rawValue, link.enabled ? "enabled" : "disabled", link.baseURL, link.fingerprint,
                       "queue=\(link.queueDepth)", "delivered=\(link.delivered)", link.lastError.map { "lastError=\($0)" } ?? ""]
                    .joined(separator: "\t"))
                // The peer's key history: older opinions verify against the key valid on their date.
                for key in keys where key.nodeId == link.nodeId {
                    print("  key \(NodeIdentity.fingerprint(ofPublicKey: key.publicKey)) from \(key.validFrom.formatted(.iso8601))"
                          + (key.validUntil.map { " until \($0.formatted(.iso8601))" } ?? " (current)"))
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a link again.")
        @OptionGroup var location: NodeLocation
        @Argument(help: "The peer's node id.") var nodeId: String

        func run() async throws { try await toggle(location, nodeId, enabled: true) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a link: nothing is sent to or accepted from the peer; the queue waits.")
        @OptionGroup var location: NodeLocation
        @Argument(help: "The peer's node id.") var nodeId: String

        func run() async throws { try await toggle(location, nodeId, enabled: false) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask a running node to ping a peer with a signed message; print the round trip.")
        @Option(help: ArgumentHelp("The running node's URL.", valueName: "url")) var node: String
        @Option(help: ArgumentHelp("An operator token of that node (or REVIEW_TOKEN).", valueName: "token")) var token: String?
        @Argument(help: "The peer's node id.") var nodeId: String

        func run() async throws {
            guard let token = token ?? ProcessInfo.processInfo.environment["REVIEW_TOKEN"] else { throw CLIFailure("give --token or set REVIEW_TOKEN") }
            let url = node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/federation/links/\(nodeId)/check"
            let response = try await CurlHTTPClient().send(HTTPClientRequest(method: "POST", url: url, headers: [("Authorization", "Bearer \(token)")], body: Data()))
            let text = String(decoding: response.body, as: UTF8.self)
            guard response.status == 200,
                  let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            else { throw CLIFailure("\(url): HTTP \(response.status) \(text)") }
            if object["ok"] as? Bool == true {
                print(String(format: "%@ ok %.1f ms", nodeId, object["milliseconds"] as? Double ?? 0))
            } else {
                throw CLIFailure("\(nodeId) did not answer the ping: \(object["error"] as? String ?? text)")
            }
        }
    }
}

extension LinkCommand {
    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a running node a new key pair; peers are told in a message signed with the old key, which stays valid for the grace period.")
        @Option(help: ArgumentHelp("The running node's URL.", valueName: "url")) var node: String
        @Option(help: ArgumentHelp("An operator token of that node (or REVIEW_TOKEN).", valueName: "token")) var token: String?
        @Option(help: "Hours peers keep accepting the old key.") var graceHours: Double = 168

        func run() async throws {
            guard let token = token ?? ProcessInfo.processInfo.environment["REVIEW_TOKEN"] else { throw CLIFailure("give --token or set REVIEW_TOKEN") }
            guard graceHours > 0 else { throw CLIFailure("--grace-hours must be positive") }
            let url = node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/federation/rekey"
            let body = Data("{\"graceHours\":\(graceHours)}".utf8)
            let response = try await CurlHTTPClient().send(HTTPClientRequest(method: "POST", url: url, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: body))
            guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
                throw CLIFailure("\(url): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            }
            print("new key \(object["newFingerprint"] as? String ?? "?") (was \(object["oldFingerprint"] as? String ?? "?")); announced to \((object["announcedTo"] as? [String] ?? []).joined(separator: ", ")); old key valid until \(object["oldKeyValidUntil"] as? String ?? "?")")
        }
    }
}

private func toggle(_ location: NodeLocation, _ nodeId: String, enabled: Bool) async throws {
    let (store, _) = try location.open()
    try await store.write { db in
        do {
            try Links.setEnabled(db, nodeId: nodeId, enabled: enabled)
        } catch let error as StoreError {
            throw CLIFailure(error.message)
        }
    }
    print("\(nodeId) \(enabled ? "enabled" : "disabled")")
}

/// `reviewctl status`: each link's queue depth, oldest undelivered message and last error.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the federation queues of a node.")
    @OptionGroup var location: NodeLocation

    func run() async throws {
        let (store, _) = try location.open()
        let links = try await store.read { db in try Links.status(db) }
        if links.isEmpty { print("no links") }
        let formatter = ISO8601DateFormatter()
        for link in links {
            print("\(link.nodeId) \(link.name) [\(link.enabled ? "enabled" : "disabled")] queue=\(link.queueDepth) delivered=\(link.delivered)"
                  + (link.oldestUndelivered.map { " oldest=\(formatter.string(from: $0))" } ?? "")
                  + (link.lastError.map { " lastError=\($0)" } ?? "")
                  + (link.deadLetters.isEmpty ? "" : " deadLetters=\(link.deadLetters.count)"))
            for letter in link.deadLetters {
                print("  dead letter \(letter.id) case=\(letter.caseId ?? "-") type=\(letter.type.rawValue) attempts=\(letter.attempts)"
                      + " reason=\((letter.lastError ?? "").replacingOccurrences(of: "\n", with: " ").prefix(300))"
                      + " (reviewctl outbox retry|discard \(letter.id))")
            }
        }
        // Backups and the resync after a restore (issue 17).
        let meta = try await store.operationsFacts()
        for (key, value) in meta {
            switch key {
            case "lastBackupAt": print("last backup \(value)")
            case "resyncPending": print("restored from a backup: resync under way since \(value)")
            case let key where key.hasPrefix("resync.pending."): print("resync with \(key.dropFirst("resync.pending.".count)): pending since \(value)")
            case let key where key.hasPrefix("resync.progress."): print("resync with \(key.dropFirst("resync.progress.".count)): resent messages received \(value)")
            case let key where key.hasPrefix("resync.result."): print("resync with \(key.dropFirst("resync.result.".count)): complete \(value)")
            default: break
            }
        }
    }
}

/// `reviewctl audit verify`: checks the node's event hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit a node's records.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the event hash chain; exit 1 and name the first broken entry if it is broken.",
            discussion: "With --peer N --node URL --token T: ask the running node to cross-check peer N's log (signed proof that it still holds every chain head it sent); exit 1 on a mismatch.")
        @OptionGroup var location: NodeLocation
        @Option(help: ArgumentHelp("Cross-check this peer's log instead (needs --node and --token).", valueName: "node-id")) var peer: String?
        @Option(help: ArgumentHelp("The running node's URL (with --peer).", valueName: "url")) var node: String?
        @Option(help: ArgumentHelp("An operator token of that node (or REVIEW_TOKEN).", valueName: "token")) var token: String?

        func run() async throws {
            if let peer {
                try await crossCheck(peer)
                return
            }
            let (store, _) = try location.open()
            let (count, head, broken) = try await store.eventChainSummary()
            if let broken {
                FileHandle.standardError.write(Data("reviewctl: audit: the event chain is broken at event \(broken) (of \(count)): its hash does not match its contents or its predecessor\n".utf8))
                throw ExitCode(1)
            }
            print("event chain intact: \(count) events, head \(head)")
        }

        func crossCheck(_ peer: String) async throws {
            guard let node else { throw CLIFailure("--peer needs --node URL (the running node that holds the link)") }
            guard let token = token ?? ProcessInfo.processInfo.environment["REVIEW_TOKEN"] else { throw CLIFailure("give --token or set REVIEW_TOKEN") }
            let url = node.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/federation/links/\(peer)/audit"
            let response = try await CurlHTTPClient().send(HTTPClientRequest(method: "POST", url: url, headers: [("Authorization", "Bearer \(token)")], body: Data()))
            guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
                throw CLIFailure("\(url): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            }
            if object["ok"] as? Bool == true {
                print("peer \(peer): its log holds all \(object["checked"] as? Int ?? 0) chain heads it sent")
            } else {
                FileHandle.standardError.write(Data("reviewctl: audit: peer \(peer): \(object["problem"] as? String ?? "mismatch")\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
