import ArgumentParser
import Foundation
import ReviewNode
import ReviewProtocol
import ReviewStore

/// `reviewctl user add|list|password|disable|enable` against a node's data directory (works while the node runs:
/// SQLite in WAL mode, with a busy timeout).
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage a node's users and API tokens.",
        subcommands: [Add.self, List.self, Password.self, Disable.self, Enable.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user and print its API token (shown once; only its hash is stored).")
        @OptionGroup var location: NodeLocation
        @Option(help: "The person's or office's name.") var name: String
        @Option(help: "drafter, countyReviewer, cityReviewer, supervisor, operator or consultee (a consulted department; give --unit).") var role: String
        @Option(help: "The drafting unit (drafters only), e.g. 德惠市科学技术局.") var unit: String?
        @Option(help: "YYYY-MM-DD: the token works through that day (Beijing time), then stops. Default: never expires.") var expires: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw CLIFailure("--role: '\(role)' is not one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let expiry = try expires.map { text -> Date in
                guard let day = CivilDate(iso: text) else { throw CLIFailure("--expires: '\(text)' is not a YYYY-MM-DD date") }
                let end = day.endOfDayInBeijing
                guard end > Date() else { throw CLIFailure("--expires: \(text) is already past") }
                return end
            }
            let (store, isCity) = try location.open()
            let (name, unit) = (self.name, self.unit)
            let (user, token) = try await store.write { db in
                do {
                    let created = try NodeStore.createUser(db, name: name, role: role, unit: unit, isCityNode: isCity, tokenExpiresAt: expiry)
                    try NodeStore.appendEvent(db, caseId: nil, actor: "reviewctl", action: "createUser",
                                              payload: ["user": String(created.0.id ?? 0), "role": role.rawValue])
                    return created
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            FileHandle.standardError.write(Data("created user \(user.id ?? 0) \(user.name) (\(role.rawValue)\(user.unit.map { ", \($0)" } ?? "")); the token below is shown once\n".utf8))
            print(token)
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's console password (bcrypt), read from the first line of standard input; signs the user's browsers out.")
        @OptionGroup var location: NodeLocation
        @Option(help: "The user's id (see `reviewctl user list`).") var id: Int64

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CLIFailure("no password on standard input (e.g. `printf '%s\\n' \"$PASSWORD\" | reviewctl user password --id 2 ...`)")
            }
            let (store, _) = try location.open()
            let id = self.id
            try await store.write { db in
                do {
                    try ConsolePassword.set(db, userId: id, password: line)
                } catch let error as StoreError {
                    throw CLIFailure(error.message)
                }
            }
            FileHandle.standardError.write(Data("password set for user \(id)\n".utf8))
        }
    }

    /// Disabling takes effect at once, also for a running node: the token stops working and
    /// the user's console sessions end.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: the token and console sessions stop working at once.")
        @OptionGroup var location: NodeLocation
        @Option(help: "The user's id (see `reviewctl user list`).") var id: Int64

        func run() async throws { try await UserCommand.setDisabled(true, id: id, location) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again (same token).")
        @OptionGroup var location: NodeLocation
        @Option(help: "The user's id (see `reviewctl user list`).") var id: Int64

        func run() async throws { try await UserCommand.setDisabled(false, id: id, location) }
    }

    static func setDisabled(_ disabled: Bool, id: Int64, _ location: NodeLocation) async throws {
        let (store, _) = try location.open()
        try await store.write { db in
            do {
                try UserAdministration.setDisabled(db, userId: id, disabled, actor: "reviewctl")
            } catch let error as StoreError {
                throw CLIFailure(error.message)
            }
        }
        FileHandle.standardError.write(Data("user \(id) \(disabled ? "disabled" : "enabled")\n".utf8))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a node's users (never their tokens).")
        @OptionGroup var location: NodeLocation

        func run() async throws {
            let (store, _) = try location.open()
            let users = try await store.users()
            for user in users {
                let expired = user.tokenExpiresAt.map { $0 <= Date() } ?? false
                print([String(user.id ?? 0), user.role.rawValue, user.name, user.unit ?? "-",
                       user.disabled ? "disabled" : expired ? "expired" : "active",
                       user.passwordHash == nil ? "token" : "token+password",
                       user.tokenExpiresAt.map { "expires " + $0.formatted(.iso8601) } ?? "no expiry"].joined(separator: "\t"))
            }
        }
    }
}
