public import Foundation
public import ReviewProtocol
public import ReviewRules

/// The repository's own Config folder and examples, for tests.
public enum Fixtures {
    /// The checkout's root, found from this source file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ReviewTesting
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    public static let configDirectory = repositoryRoot.appendingPathComponent("Config")

    /// The shipped calendar (Config/calendar).
    public static func calendar() throws -> WorkCalendar {
        try WorkCalendar.load(from: configDirectory.appendingPathComponent("calendar"))
    }

    /// The shipped rules (Config/rules).
    public static func rules() throws -> RulesConfiguration {
        try RulesConfiguration.load(from: configDirectory.appendingPathComponent("rules"))
    }

    /// The bytes of Config/examples/`name`.
    public static func exampleData(_ name: String) throws -> Data {
        try Data(contentsOf: configDirectory.appendingPathComponent("examples").appendingPathComponent(name))
    }

    /// A decoded example case form.
    public static func example(_ name: String) throws -> CaseForm {
        try StrictJSONDecoder.decode(CaseForm.self, from: exampleData(name))
    }

    /// A date literal for tests; traps on a malformed literal, which is a bug in the test.
    public static func date(_ text: String) -> CivilDate {
        guard let date = CivilDate(iso: text) else { preconditionFailure("bad date literal \(text)") }
        return date
    }
}
