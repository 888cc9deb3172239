import ArgumentParser
import Foundation
import ReviewNode
import ReviewProtocol
import ReviewStore

/// `reviewctl outbox list|retry|discard|set-aside`: messages a peer refused for their content
/// (dead letters), and messages a peer keeps answering `out-of-order` (waiting). Dead letters no
/// longer block other cases; their own case waits until an operator acts.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Dead letters: messages a peer refused for their content, held back with their case's later messages.",
        subcommands: [List.self, Retry.self, Discard.self, SetAside.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters, then waiting messages: id, peer, case, type, attempts, `dead` or `waiting`, the peer's last answer.")
        @OptionGroup var location: NodeLocation

        func run() async throws {
            let (store, _) = try location.open()
            let (letters, waiting) = try await store.read { db in (try DeadLetters.list(db), try DeadLetters.waiting(db)) }
            if letters.isEmpty && waiting.isEmpty { FileHandle.standardError.write(Data("no dead letters and no waiting messages\n".utf8)) }
            for (letter, kind) in letters.map({ ($0, "dead") }) + waiting.map({ ($0, "waiting") }) {
                print([letter.id, letter.peer, letter.caseId ?? "-", letter.type.rawValue, "attempts \(letter.attempts)", kind,
                       (letter.lastError ?? "").replacingOccurrences(of: "\n", with: " ")].joined(separator: "\t"))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a dead letter again (after the cause was fixed); a running node sends it within a second.")
        @OptionGroup var location: NodeLocation
        @Argument(help: "The message id (see `reviewctl outbox list`).") var id: String

        func run() async throws {
            let (store, _) = try location.open()
            let id = self.id
            try await store.write { db in
                do {
                    try DeadLetters.retry(db, id: id, actor: "reviewctl")
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            FileHandle.standardError.write(Data("\(id) queued again\n".utf8))
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a dead letter up; the case's later messages to that peer are renumbered and re-signed with the node's key.")
        @OptionGroup var location: NodeLocation
        @Argument(help: "The message id (see `reviewctl outbox list`).") var id: String

        func run() async throws {
            let (store, _) = try location.open()
            let identity = try NodeIdentity.loadOrCreate(in: try location.dataDirectory())
            let id = self.id
            try await store.write { db in
                do {
                    try DeadLetters.discard(db, id: id, actor: "reviewctl", identity: identity)
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            FileHandle.standardError.write(Data("\(id) discarded\n".utf8))
        }
    }

    struct SetAside: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-aside",
            abstract: "Stop sending a message its peer keeps answering out-of-order; it becomes a dead letter (retry or discard it then).")
        @OptionGroup var location: NodeLocation
        @Argument(help: "The message id (see `reviewctl outbox list`, kind `waiting`).") var id: String

        func run() async throws {
            let (store, _) = try location.open()
            let id = self.id
            try await store.write { db in
                do {
                    try DeadLetters.setAside(db, id: id, actor: "reviewctl")
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            FileHandle.standardError.write(Data("\(id) set aside as a dead letter\n".utf8))
        }
    }
}
