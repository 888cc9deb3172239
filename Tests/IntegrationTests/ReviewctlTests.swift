import Foundation
import Glibc
import ReviewTesting
import Testing

/// Runs the built `reviewctl` binary as a user would and checks stdout, stderr and the exit code.
@Suite struct ReviewctlTests {
    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(NodeProcess.binaries.appendingPathComponent("reviewctl"), arguments, environment: environment, in: directory)
    }

    var config: String { Fixtures.configDirectory.path }
    func example(_ name: String) -> String { Fixtures.configDirectory.appendingPathComponent("examples/\(name)").path }

    @Test func calendarAddPrintsOnlyTheDate() throws {
        let result = try run(["calendar", "add", "2024-09-27", "10"])
        #expect(result.status == 0)
        #expect(result.stdout == "2024-10-16\n")
        #expect(result.stderr.isEmpty)
    }

    @Test func calendarSubAndDue() throws {
        #expect(try run(["calendar", "sub", "2024-10-16", "10"]).stdout == "2024-09-27\n")
        #expect(try run(["calendar", "due", "--accepted", "2024-09-27"]).stdout == "2024-10-16\n")
        let due = try run(["calendar", "due", "--accepted", "2024-09-27", "--stopped", "2024-10-08", "--resumed", "2024-10-15",
                           "--stopped", "2024-10-17", "--resumed", "2024-10-21"])
        #expect(due.stdout == "2024-10-28\n")
        #expect(try run(["calendar", "due", "--accepted", "2024-09-27", "--limit", "5"]).stdout == "2024-10-10\n")
    }

    @Test(arguments: [
        (["calendar", "add", "2027-03-01", "1"], "2027"),
        (["calendar", "add", "2024-13-01", "1"], "not a date"),
        (["calendar", "add", "2024-09-27", "-1"], "0 or more"),
        (["calendar", "sub", "2024-09-27", "ten"], "not a whole number"),
        (["calendar", "add", "2024-09-27"], "missing N"),
        (["calendar", "due", "--accepted", "2024-09-27", "--stopped", "2024-09-26", "--resumed", "2024-10-08"], "before acceptance"),
        (["calendar", "due", "--accepted", "2024-09-27", "--stopped", "2024-10-08", "--resumed", "2024-10-07"], "before its clock stop"),
        (["calendar", "due", "--accepted", "2024-09-27", "--stopped", "2024-10-08"], "clock is stopped"),
        (["calendar", "due", "--accepted", "2024-09-27", "--resumed", "2024-10-08"], "no --stopped"),
        (["calendar", "due", "--accepted", "2024-09-27", "--limit=-2"], "0 or more"),
        (["calendar", "due", "--accepted", "2024-09-27", "--limit", "-2"], "--limit"),
        (["calendar", "frobnicate"], "Unexpected argument"),
    ])
    func badInputExitsTwoWithOneLine(_ arguments: [String], _ fragment: String) throws {
        let result = try run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("reviewctl: error: "))
        #expect(result.stderr.contains(fragment))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line: \(result.stderr)")
    }

    @Test func configIsFoundByFlagByEnvironmentOrBesideTheBinaryButNotJustTheWorkingDirectory() throws {
        let elsewhere = FileManager.default.temporaryDirectory
        // Beside the binary (the checkout), from an unrelated working directory.
        #expect(try run(["calendar", "add", "2024-09-27", "10"], in: elsewhere).status == 0)
        #expect(try run(["calendar", "add", "2024-09-27", "10", "--config", config], in: elsewhere).stdout == "2024-10-16\n")
        #expect(try run(["calendar", "add", "2024-09-27", "10"], environment: ["REVIEW_CONFIG_DIR": config], in: elsewhere).status == 0)
        let wrong = try run(["calendar", "add", "2024-09-27", "10", "--config", elsewhere.path])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("not a Config folder"))
        let wrongEnv = try run(["calendar", "add", "2024-09-27", "10"], environment: ["REVIEW_CONFIG_DIR": "/nonexistent"])
        #expect(wrongEnv.status == 2)
        #expect(wrongEnv.stderr.contains("REVIEW_CONFIG_DIR"))
    }

    /// `user add` on a node that never ran creates its data directory 0700 and `node.sqlite`
    /// 0600 under umask 022 (the store holds token hashes, materials and cases).
    @Test func userAddCreatesAnOwnerOnlyStore() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let data = root.appendingPathComponent("data")
        let file = root.appendingPathComponent("node.json")
        try Data(#"{"nodeId":"220183","name":"德惠市政务服务和数字化建设管理局","tier":"county","dataDirectory":"\#(data.path)"}"#.utf8).write(to: file)
        // The child inherits the umask.
        let previous = umask(0o022)
        let result = try run(["user", "add", "--node-config", file.path, "--name", "审查员", "--role", "countyReviewer"])
        umask(previous)
        #expect(result.status == 0, "\(result.stderr)")
        func mode(_ url: URL) -> Int? { (try? FileManager.default.attributesOfItem(atPath: url.path))?[.posixPermissions] as? Int }
        #expect(mode(data) == 0o700)
        #expect(mode(data.appendingPathComponent("node.sqlite")) == 0o600)
    }

    @Test func checkCleanExampleExitsZero() throws {
        let result = try run(["check", example("launch-clean.json")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("未发现问题"))
    }

    @Test func checkDefectiveExampleListsEveryDefectGrouped() throws {
        let result = try run(["check", example("launch-defective.json")])
        #expect(result.status == 1)
        for heading in ["政策与报送材料", "事项1:中小微企业研发投入补贴", "事项2:", "文本信息", "申请办理", "兑现实施", "监管咨询", "建议:"] {
            #expect(result.stdout.contains(heading), "\(heading)")
        }
        #expect(result.stdout.contains("发现 23 个问题"))
    }

    @Test func checkJSONIsMachineReadable() throws {
        let result = try run(["check", "--json", example("launch-defective.json")])
        #expect(result.status == 1)
        struct Report: Decodable {
            struct Item: Decodable { var code: String; var path: String; var message: String }
            var findingCount: Int
            var findings: [Item]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.findingCount == 23)
        #expect(Set(report.findings.map(\.code)).count == 18)
        #expect(try run(["check", "--json", example("launch-clean.json")]).status == 0)
    }

    @Test func checkRefusesUnreadableAndInvalidFilesWithTheReasonAndPosition() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reviewctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, String)] = [
            ("{\"formatVersion\": 1,\n  \"policy\": }", "line 2"),
            (#"{"formatVersion":1,"policy":{"level":"county","kind":"launch"},"serviceItems":[{"itemNam":"x"}],"materials":[]}"#, "serviceItems[0].itemNam: unknown field"),
            (#"{"formatVersion":1,"policy":{"level":"county","kind":"launch"},"serviceItems":[{"redemptionDays":"十五"}],"materials":[]}"#, "serviceItems[0].redemptionDays: expected a whole number"),
        ]
        for (index, (content, fragment)) in cases.enumerated() {
            let file = folder.appendingPathComponent("\(index).json")
            try Data(content.utf8).write(to: file)
            let result = try run(["check", file.path])
            #expect(result.status == 2)
            #expect(result.stderr.contains(fragment), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
        let missing = try run(["check", folder.appendingPathComponent("absent.json").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read"))
    }

    @Test func helpExitsZero() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("calendar"))
    }
}
