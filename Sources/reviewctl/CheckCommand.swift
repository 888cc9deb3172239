import ArgumentParser
import Foundation
import ReviewProtocol
import ReviewRules

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the standardization check (Art 5, 7, 13) on a case form.",
        discussion: "Exit 0: no findings. Exit 1: findings printed. Exit 2: the file is unreadable or not a valid case form."
    )

    @OptionGroup var config: ConfigOptions
    @Argument(help: ArgumentHelp("Case form JSON (see Config/examples/).", valueName: "file.json")) var file: String
    @Flag(help: "Print the findings as JSON.") var json = false

    func run() throws {
        let rules = try config.rules()
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIFailure("\(file): cannot read the file")
        }
        let form: CaseForm
        do {
            form = try StrictJSONDecoder.decode(CaseForm.self, from: data)
        } catch {
            throw CLIFailure("\(file): not a valid case form: \(error)")
        }
        let findings = StandardizationLinter(configuration: rules).check(form)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let report = CheckReport(file: file, findingCount: findings.count, findings: findings)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(FindingsReport(form: form, findings: findings).text, terminator: "")
        }
        if !findings.isEmpty { throw ExitCode(1) }
    }
}

/// `reviewctl check --json` output.
struct CheckReport: Codable {
    var file: String
    var findingCount: Int
    var findings: [Finding]
}
