import ArgumentParser
import Foundation
import ReviewNode
import ReviewRules

/// The operator CLI. Exit codes: 0 success, 1 findings (`check`), 2 bad input or
/// configuration, with one readable line on stderr.
@main
struct ReviewCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewctl",
        abstract: "Operator tool for the policy standardization review federation (惠企惠民政策标准化审查).",
        subcommands: [CalendarCommand.self, CheckCommand.self, UserCommand.self, LinkCommand.self, StatusCommand.self, AuditCommand.self, OpinionCommand.self, OutboxCommand.self, KeysCommand.self, BackupCommand.self, RestoreCommand.self]
    )

    static func main() async {
        do {
            try await parseAndRun()
        } catch let exitCode as ExitCode {
            Foundation.exit(exitCode.rawValue)
        } catch let failure as CLIFailure {
            fail(failure.message)
        } catch let error as RulesError {
            fail(error.message)
        } catch {
            // Help and version requests exit 0 with their text; parse errors become one line.
            if exitCode(for: error) == .success { exit(withError: error) }
            let firstLine = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            fail(firstLine + " (see reviewctl --help)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("reviewctl: error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}

/// Bad input found by a command; printed as one line, exit code 2.
struct CLIFailure: Error {
    let message: String

    init(_ message: String) { self.message = message }
}
