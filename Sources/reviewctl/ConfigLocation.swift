import ArgumentParser
import Foundation
import ReviewRules

/// Where the Config folder is: `--config DIR`, else `$REVIEW_CONFIG_DIR`, else a `Config`
/// folder beside or above the executable (a checkout's `.build/debug/reviewctl`, or an
/// install as PREFIX/bin/reviewctl with PREFIX/Config), else `./Config`, else
/// `/etc/policy-review`.
struct ConfigOptions: ParsableArguments {
    static let environmentVariable = "REVIEW_CONFIG_DIR"

    @Option(name: .customLong("config"), help: ArgumentHelp("Config folder (holds calendar/ and rules/).", valueName: "dir"))
    var directory: String?

    func resolve() throws -> URL {
        if let directory { return try checked(URL(fileURLWithPath: directory), from: "--config") }
        if let fromEnvironment = ProcessInfo.processInfo.environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return try checked(URL(fileURLWithPath: fromEnvironment), from: Self.environmentVariable)
        }
        var candidates: [URL] = []
        if let executable = Self.executableURL() {
            var folder = executable.deletingLastPathComponent()
            for _ in 0..<6 {
                candidates.append(folder.appendingPathComponent("Config"))
                folder = folder.deletingLastPathComponent()
            }
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Config"))
        candidates.append(URL(fileURLWithPath: "/etc/policy-review"))
        if let found = candidates.first(where: Self.looksLikeConfig) { return found }
        throw CLIFailure("no Config folder found: pass --config DIR or set \(Self.environmentVariable)")
    }

    func calendar() throws -> WorkCalendar {
        try WorkCalendar.load(from: resolve().appendingPathComponent("calendar"))
    }

    func rules() throws -> RulesConfiguration {
        try RulesConfiguration.load(from: resolve().appendingPathComponent("rules"))
    }

    private func checked(_ url: URL, from source: String) throws -> URL {
        guard Self.looksLikeConfig(url) else {
            throw CLIFailure("\(source): \(url.path) is not a Config folder (no calendar/ inside)")
        }
        return url
    }

    private static func looksLikeConfig(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("calendar").path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    private static func executableURL() -> URL? {
        #if os(Linux)
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if link.path != "/proc/self/exe" { return link }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }
}
