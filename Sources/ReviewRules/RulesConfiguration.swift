import ReviewProtocol

/// The editable data the linter checks against, kept in `Config/rules/`. Operators change
/// these files; the code only knows the few values the regulation itself names.
public struct RulesConfiguration: Sendable {
    public var vocabularies: Vocabularies
    public var wording: [WordingRule]
    public var divisions: DivisionCatalogue

    public init(vocabularies: Vocabularies, wording: [WordingRule], divisions: DivisionCatalogue) {
        self.vocabularies = vocabularies
        self.wording = wording
        self.divisions = divisions
    }
}

/// Controlled vocabularies for the elements where the regulation implies one
/// (`Config/rules/vocabularies.json`).
public struct Vocabularies: Codable, Hashable, Sendable {
    /// 优惠类型.
    public var benefitTypes: [String]
    /// The benefit types that pay money, for which a cap (兑现限额) is required.
    public var monetaryBenefitTypes: [String]
    /// 申报主体.
    public var applicantTypes: [String]
    /// 申报方式; must contain 免申即享.
    public var applicationMethods: [String]
    /// 申报次数 periods; must contain 不限次数.
    public var applicationPeriods: [String]
    /// 兑现层级.
    public var redemptionLevels: [String]
    /// 兑现方式.
    public var redemptionMethods: [String]

    /// 免申即享: the benefit reaches the applicant with no application.
    public static let noApplication = "免申即享"
    /// The 申报次数 period meaning "no limit", which takes no `times`.
    public static let unlimitedPeriod = "不限次数"
}

/// A non-standard phrasing, with the rewrite to suggest (`Config/rules/wording.json`).
/// `phrase` is a pattern in the rule language of Config/README.md: literal characters,
/// `[甲乙]` one of, `[^甲乙]` none of, `(甲|乙丙|)` alternatives, `…` a gap of up to `gap` characters.
public struct WordingRule: Codable, Hashable, Sendable {
    /// The pattern; a plain phrase is a pattern that matches itself.
    public var phrase: String
    /// The rewrite to suggest, in Chinese.
    public var suggestion: String
    /// The most characters one `…` may span (default ``defaultGap``); a gap never spans punctuation.
    public var gap: Int?
    /// The contexts where the phrase is quoted or negated and not flagged: `title`, `prohibition`,
    /// `definition`. Absent means all three (``defaultExceptions``); `[]` flags everywhere.
    public var except: [String]?
    /// Words that, earlier in the same clause, make it a prohibition beyond the built-in 不得, 严禁, 不再 ….
    public var exceptAfter: [String]?
    /// Not flagged when the match is immediately followed by one of these (等 in 等级, 等于).
    public var notFollowedBy: [String]?
    /// Not flagged when the match is immediately preceded by one of these.
    public var notPrecededBy: [String]?
    /// Not flagged when the matched text contains one of these (a named source: 局, 委 …).
    public var notContaining: [String]?
    /// A sentence the rule must flag (checked by the tests).
    public var flags: String?
    /// A similar sentence the wording check must leave alone (checked by the tests).
    public var passes: String?

    /// Characters one `…` spans at most unless the rule says otherwise.
    public static let defaultGap = 4
    /// The exception contexts of a rule that names none.
    public static let defaultExceptions = ["title", "prohibition", "definition"]

    /// A rule; only `phrase` and `suggestion` are required, the rest default as documented above.
    public init(
        phrase: String, suggestion: String, gap: Int? = nil, except: [String]? = nil, exceptAfter: [String]? = nil,
        notFollowedBy: [String]? = nil, notPrecededBy: [String]? = nil, notContaining: [String]? = nil,
        flags: String? = nil, passes: String? = nil
    ) {
        self.phrase = phrase
        self.suggestion = suggestion
        self.gap = gap
        self.except = except
        self.exceptAfter = exceptAfter
        self.notFollowedBy = notFollowedBy
        self.notPrecededBy = notPrecededBy
        self.notContaining = notContaining
        self.flags = flags
        self.passes = passes
    }
}

/// Known administrative divisions (GB/T 2260 codes, plus operator-assigned ids for
/// development zones), from `Config/rules/divisions.json`.
public struct DivisionCatalogue: Codable, Hashable, Sendable {
    public struct Division: Codable, Hashable, Sendable {
        public var code: String
        public var name: String
        /// The code of the enclosing division; nil at the top of the file.
        public var parent: String?

        public init(code: String, name: String, parent: String?) {
            self.code = code
            self.name = name
            self.parent = parent
        }
    }

    public private(set) var divisions: [Division]
    private var byCode: [String: Division]

    /// - Throws: `.configurationInvalid` on a duplicate code or an unknown parent.
    public init(divisions: [Division]) throws {
        var byCode: [String: Division] = [:]
        for division in divisions {
            guard byCode.updateValue(division, forKey: division.code) == nil else {
                throw RulesError(.configurationInvalid, "divisions: code \(division.code) appears twice")
            }
        }
        for division in divisions {
            if let parent = division.parent, byCode[parent] == nil {
                throw RulesError(.configurationInvalid, "divisions: \(division.code) names unknown parent \(parent)")
            }
        }
        self.divisions = divisions
        self.byCode = byCode
    }

    public init(from decoder: any Decoder) throws {
        try self.init(divisions: [Division](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try divisions.encode(to: encoder)
    }

    public subscript(code: String) -> Division? { byCode[code] }

    /// Whether `code` is `ancestor` or lies within it.
    public func contains(_ code: String, within ancestor: String) -> Bool {
        var current: String? = code
        var hops = 0
        while let c = current, hops <= byCode.count {
            if c == ancestor { return true }
            current = byCode[c]?.parent
            hops += 1
        }
        return false
    }

    /// Whether `code` is a city-level division, one that is the parent of others at the
    /// prefecture level (GB/T 2260 codes ending in 00 but not 0000).
    public func isCityLevel(_ code: String) -> Bool {
        code.count == 6 && code.hasSuffix("00") && !code.hasSuffix("0000")
    }
}
