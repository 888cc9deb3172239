public import Foundation
import ReviewProtocol

extension RulesConfiguration {
    /// Loads `vocabularies.json`, `wording.json` and `divisions.json` from `directory`
    /// (normally `Config/rules`).
    /// - Throws: `.configurationInvalid` naming the file and what is wrong with it.
    public static func load(from directory: URL) throws -> RulesConfiguration {
        let vocabularies = try decodeFile(Vocabularies.self, directory.appendingPathComponent("vocabularies.json"))
        for (name, list) in [("applicationMethods", vocabularies.applicationMethods), ("applicationPeriods", vocabularies.applicationPeriods)] {
            let required = name == "applicationMethods" ? Vocabularies.noApplication : Vocabularies.unlimitedPeriod
            if !list.contains(required) {
                throw RulesError(.configurationInvalid, "vocabularies.json: \(name) must contain \(required)")
            }
        }
        for type in vocabularies.monetaryBenefitTypes where !vocabularies.benefitTypes.contains(type) {
            throw RulesError(.configurationInvalid, "vocabularies.json: monetary benefit type \(type) is not in benefitTypes")
        }
        let wording = try decodeFile([WordingRule].self, directory.appendingPathComponent("wording.json"))
        for rule in wording where rule.phrase.trimmingCharacters(in: .whitespaces).isEmpty {
            throw RulesError(.configurationInvalid, "wording.json: an entry has an empty phrase")
        }
        // Every pattern must compile; the linter compiles them again, once, when it is made.
        _ = try WordingMatcher(wording)
        let divisions = try decodeFile(DivisionCatalogue.self, directory.appendingPathComponent("divisions.json"))
        return RulesConfiguration(vocabularies: vocabularies, wording: wording, divisions: divisions)
    }
}

extension WorkCalendar {
    /// Loads every `YYYY.json` in `directory` (normally `Config/calendar`); other files are
    /// ignored. The file name must match the year inside it.
    /// - Throws: `.configurationInvalid` naming the first bad file.
    public static func load(from directory: URL) throws -> WorkCalendar {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw RulesError(.configurationInvalid, "cannot read calendar folder \(directory.path)")
        }
        var years: [CalendarYear] = []
        for name in names.sorted() {
            guard name.hasSuffix(".json"), let year = Int(name.dropLast(5)), name.count == 9 else { continue }
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw RulesError(.configurationInvalid, "cannot read \(url.path)")
            }
            let schedule = try CalendarYear.decode(data, fileName: name)
            guard schedule.year == year else {
                throw RulesError(.configurationInvalid, "\(name) holds the schedule for \(schedule.year)")
            }
            years.append(schedule)
        }
        return try WorkCalendar(years: years)
    }
}

private func decodeFile<T: Codable>(_ type: T.Type, _ url: URL) throws -> T {
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw RulesError(.configurationInvalid, "cannot read \(url.path)")
    }
    do {
        return try StrictJSONDecoder.decode(type, from: data)
    } catch let error as RulesError {
        throw RulesError(error.code, "\(url.lastPathComponent): \(error.message)")
    } catch {
        throw RulesError(.configurationInvalid, "\(url.lastPathComponent): \(error)")
    }
}
