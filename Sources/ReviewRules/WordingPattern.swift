import Foundation

// The wording rule language (Config/README.md, "Wording rules"), compiled once per linter.
// Text and patterns are both normalized by `TextNormalizer` and matched as arrays of Unicode
// scalar values, so matching allocates nothing per text.

/// A scalar value of normalized text.
typealias Scalar = UInt32

/// Folds text to the form the wording rules match: full-width ASCII to ASCII, compatibility
/// characters to their NFKC form, white space and invisible characters (zero-width spaces,
/// soft hyphens, joiners, bidi marks, variation selectors) removed.
enum TextNormalizer {
    /// Appends the normalized scalars of `text` to `out`, and for each the offset of the
    /// original scalar it came from (in `text.unicodeScalars`) to `origins`.
    static func normalize(_ text: String, into out: inout [Scalar], origins: inout [Int32]) {
        var offset: Int32 = 0
        for scalar in text.unicodeScalars {
            fold(scalar, origin: offset, into: &out, origins: &origins)
            offset &+= 1
        }
    }

    /// The normalized scalars of a pattern fragment or marker word.
    static func normalized(_ text: String) -> [Scalar] {
        var out: [Scalar] = []
        var origins: [Int32] = []
        normalize(text, into: &out, origins: &origins)
        return out
    }

    @inline(__always)
    static func fold(_ scalar: Unicode.Scalar, origin: Int32, into out: inout [Scalar], origins: inout [Int32]) {
        let v = scalar.value
        // Fast paths: CJK ideographs, printable ASCII, CJK punctuation.
        if (0x4E00...0x9FFF).contains(v) || (0x21...0x7E).contains(v) || (0x3001...0x303F).contains(v) {
            out.append(v); origins.append(origin); return
        }
        if v <= 0x20 || v == 0x7F || v == 0x3000 { return }  // white space and controls
        if (0xFF01...0xFF5E).contains(v) { out.append(v - 0xFEE0); origins.append(origin); return }  // full-width ASCII
        switch v {
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0,
             0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFE00...0xFE0F, 0xE0000...0xE0FFF:
            return  // invisible: zero-width, soft hyphen, joiners, bidi, variation selectors, tags
        case 0x2018...0x201D, 0x2026, 0x2014, 0x00B7:
            out.append(v); origins.append(origin); return  // Chinese quotes, ellipsis, dash, middle dot: kept as written
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .nonspacingMark:
            return
        default:
            break
        }
        // Compatibility characters (Kangxi radicals, CJK compatibility ideographs, circled
        // numbers, …): their NFKC form. Rare, so the Foundation call costs nothing in practice.
        let folded = String(scalar).precomposedStringWithCompatibilityMapping
        for s in folded.unicodeScalars {
            let w = s.value
            if w <= 0x20 || w == 0x3000 { continue }
            out.append((0xFF01...0xFF5E).contains(w) ? w - 0xFEE0 : w)
            origins.append(origin)
        }
    }

    /// Characters a gap (…) never spans: clause and sentence punctuation, brackets, title marks.
    @inline(__always)
    static func stopsGap(_ v: Scalar) -> Bool {
        switch v {
        case 0x2C, 0x2E, 0x3B, 0x3A, 0x21, 0x3F, 0x28, 0x29, 0x0A,  // , . ; : ! ? ( ) newline
             0x3001, 0x3002, 0x300A, 0x300B, 0x3008, 0x3009:        // 、 。 《 》 〈 〉
            return true
        default:
            return false
        }
    }

    /// Ends of a clause, for the prohibition exception: , ; : 。 ! ?
    @inline(__always)
    static func endsClause(_ v: Scalar) -> Bool {
        v == 0x2C || v == 0x3B || v == 0x3A || v == 0x3002 || v == 0x21 || v == 0x3F || v == 0x0A
    }

    /// Ends of a sentence, for the definition exception: ; 。 ! ?
    @inline(__always)
    static func endsSentence(_ v: Scalar) -> Bool {
        v == 0x3B || v == 0x3002 || v == 0x21 || v == 0x3F || v == 0x0A
    }
}

/// Where a phrase is quoted or negated rather than used: the exceptions a rule may name.
struct WordingContexts: OptionSet, Sendable {
    let rawValue: UInt8
    /// Inside a document title, 《…》 or 〈…〉.
    static let title = WordingContexts(rawValue: 1)
    /// In a clause that forbids or waives: 不得…, 严禁…, 不再…
    static let prohibition = WordingContexts(rawValue: 2)
    /// In a sentence that defines a term: 本办法所称…是指…
    static let definition = WordingContexts(rawValue: 4)

    static let names: [String: WordingContexts] = ["title": .title, "prohibition": .prohibition, "definition": .definition]
}

/// One element of a compiled pattern.
enum PatternPart: Sendable {
    /// One of these scalar sequences (a literal is a choice of one; `[甲乙]` of single scalars).
    case choice([[Scalar]])
    /// Any one scalar not in the set and not punctuation (`[^甲乙]`).
    case notIn([Scalar])
    /// Up to the rule's gap of scalars, none of them punctuation (`…`).
    case gap
}

/// A wording rule ready to match: parsed once when the linter is made.
struct CompiledWordingRule: Sendable {
    let rule: WordingRule
    let parts: [PatternPart]
    let maxGap: Int
    let exceptions: WordingContexts
    let prohibitionMarkers: [[Scalar]]
    let notFollowedBy: [[Scalar]]
    let notPrecededBy: [[Scalar]]
    let notContaining: [[Scalar]]

    /// Words that open a prohibition or waiver; a phrase later in the same clause is not flagged.
    static let defaultProhibitionMarkers = ["不得", "严禁", "不再", "禁止", "不准", "不允许", "杜绝", "不应", "不能", "不可", "无需", "无须", "不需", "不必", "免于", "免予", "免收", "免交", "免提交", "不要求"]
    /// Words that make a sentence a definition.
    static let definitionMarkers: [[Scalar]] = ["所称", "是指", "系指", "以下简称", "以下统称"].map(TextNormalizer.normalized)

    /// - Throws: `.configurationInvalid` naming the rule and the fault.
    /// - Parameter plain: match `phrase` as plain text, for a rule whose pattern does not parse.
    init(_ rule: WordingRule, plain: Bool = false) throws {
        self.rule = rule
        func fail(_ why: String) -> RulesError {
            RulesError(.configurationInvalid, "wording.json: rule “\(rule.phrase)”: \(why)")
        }
        var parts: [PatternPart] = []
        var literal: [Scalar] = []
        func flush() {
            if !literal.isEmpty { parts.append(.choice([literal])); literal = [] }
        }
        let scalars = Array(rule.phrase.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            switch plain ? "a" : c {
            case "…":
                flush()
                // "……" (the Chinese ellipsis written twice) is one gap.
                while i + 1 < scalars.count, scalars[i + 1] == "…" { i += 1 }
                if case .gap = parts.last { throw fail("two gaps in a row") }
                parts.append(.gap)
            case "[":
                flush()
                guard let close = scalars[(i + 1)...].firstIndex(of: "]") else { throw fail("“[” without “]”") }
                var members = Array(scalars[(i + 1)..<close])
                let negated = members.first == "^"
                if negated { members.removeFirst() }
                let set = members.flatMap { TextNormalizer.normalized(String($0)) }
                guard !set.isEmpty else { throw fail("an empty class “[]”") }
                parts.append(negated ? .notIn(set) : .choice(set.map { [$0] }))
                i = close
            case "(":
                flush()
                guard let close = scalars[(i + 1)...].firstIndex(of: ")") else { throw fail("“(” without “)”") }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars[(i + 1)..<close])
                let options = String(text).split(separator: "|", omittingEmptySubsequences: false).map { TextNormalizer.normalized(String($0)) }
                guard options.count >= 2 else { throw fail("a group “(…)” needs at least two alternatives separated by “|”") }
                // Longest first, so that (照|) prefers 按照 over 按.
                parts.append(.choice(options.sorted { $0.count > $1.count }))
                i = close
            case "]", ")", "|":
                throw fail("an unpaired “\(c)”")
            default:
                literal += TextNormalizer.normalized(String(c))
            }
            i += 1
        }
        flush()
        guard let first = parts.first, let last = parts.last else { throw fail("an empty pattern") }
        if case .gap = first { throw fail("a pattern cannot begin with “…”") }
        if case .gap = last { throw fail("a pattern cannot end with “…”") }
        if case .choice(let options) = first, options.contains(where: \.isEmpty) { throw fail("a pattern cannot begin with an optional group") }
        self.parts = parts
        let gap = rule.gap ?? WordingRule.defaultGap
        guard (1...20).contains(gap) else { throw fail("gap must be 1–20 characters") }
        self.maxGap = gap
        var exceptions: WordingContexts = []
        for name in rule.except ?? WordingRule.defaultExceptions {
            guard let context = WordingContexts.names[name] else { throw fail("unknown exception “\(name)” (title, prohibition, definition)") }
            exceptions.insert(context)
        }
        self.exceptions = exceptions
        self.prohibitionMarkers = (Self.defaultProhibitionMarkers + (rule.exceptAfter ?? [])).map(TextNormalizer.normalized).filter { !$0.isEmpty }
        self.notFollowedBy = (rule.notFollowedBy ?? []).map(TextNormalizer.normalized).filter { !$0.isEmpty }
        self.notPrecededBy = (rule.notPrecededBy ?? []).map(TextNormalizer.normalized).filter { !$0.isEmpty }
        self.notContaining = (rule.notContaining ?? []).map(TextNormalizer.normalized).filter { !$0.isEmpty }
    }

    /// The scalars a match can begin with.
    var firstScalars: [Scalar] {
        switch parts[0] {
        case .choice(let options): return options.compactMap(\.first)
        case .notIn, .gap: return []
        }
    }

    /// Whether a match can begin with a scalar outside a fixed set (a leading `[^…]`).
    var beginsAnywhere: Bool {
        if case .notIn = parts[0] { return true }
        return false
    }

    /// The end (exclusive) of the shortest match beginning at `start`, or nil.
    func match(_ text: UnsafeBufferPointer<Scalar>, at start: Int) -> Int? {
        guard let end = matchPart(0, text, start) else { return nil }
        for word in notContaining where Self.find(word, in: text, from: start, to: end) { return nil }
        for word in notFollowedBy where Self.has(word, in: text, at: end) { return nil }
        for word in notPrecededBy where start >= word.count && Self.has(word, in: text, at: start - word.count) { return nil }
        return end
    }

    private func matchPart(_ index: Int, _ text: UnsafeBufferPointer<Scalar>, _ position: Int) -> Int? {
        if index == parts.count { return position }
        switch parts[index] {
        case .choice(let options):
            for option in options where Self.has(option, in: text, at: position) {
                if let end = matchPart(index + 1, text, position + option.count) { return end }
            }
            return nil
        case .notIn(let set):
            guard position < text.count else { return nil }
            let v = text[position]
            guard !set.contains(v), !TextNormalizer.stopsGap(v) else { return nil }
            return matchPart(index + 1, text, position + 1)
        case .gap:
            var width = 0
            while true {
                if let end = matchPart(index + 1, text, position + width) { return end }
                guard width < maxGap, position + width < text.count, !TextNormalizer.stopsGap(text[position + width]) else { return nil }
                width += 1
            }
        }
    }

    /// Whether the match at `start..<end` lies in one of the rule's exception contexts.
    func isExempt(_ text: UnsafeBufferPointer<Scalar>, start: Int, end: Int) -> Bool {
        if exceptions.contains(.title) {
            var depth = 0
            for i in 0..<start {
                switch text[i] {
                case 0x300A, 0x3008: depth += 1  // 《 〈
                case 0x300B, 0x3009: depth = max(0, depth - 1)  // 》 〉
                default: break
                }
            }
            if depth > 0 { return true }
        }
        if exceptions.contains(.prohibition) {
            var clauseStart = start
            while clauseStart > 0, !TextNormalizer.endsClause(text[clauseStart - 1]) { clauseStart -= 1 }
            for marker in prohibitionMarkers where Self.find(marker, in: text, from: clauseStart, to: start) { return true }
        }
        if exceptions.contains(.definition) {
            var sentenceStart = start
            while sentenceStart > 0, !TextNormalizer.endsSentence(text[sentenceStart - 1]) { sentenceStart -= 1 }
            var sentenceEnd = end
            while sentenceEnd < text.count, !TextNormalizer.endsSentence(text[sentenceEnd]) { sentenceEnd += 1 }
            for marker in Self.definitionMarkers where Self.find(marker, in: text, from: sentenceStart, to: sentenceEnd) { return true }
        }
        return false
    }

    @inline(__always)
    static func has(_ word: [Scalar], in text: UnsafeBufferPointer<Scalar>, at position: Int) -> Bool {
        guard position >= 0, position + word.count <= text.count else { return false }
        for (offset, v) in word.enumerated() where text[position + offset] != v { return false }
        return true
    }

    /// Whether `word` lies wholly within `from..<to`.
    static func find(_ word: [Scalar], in text: UnsafeBufferPointer<Scalar>, from: Int, to: Int) -> Bool {
        guard !word.isEmpty, to - from >= word.count else { return false }
        for position in from...(to - word.count) where has(word, in: text, at: position) { return true }
        return false
    }
}

/// All wording rules, compiled, with an index from a match's first scalar to the rules that
/// can begin with it: most positions of a text are rejected by one table load.
struct WordingMatcher: Sendable {
    let rules: [CompiledWordingRule]
    /// For each BMP scalar, 1 + the index into `buckets` of the rules beginning with it; 0 for none.
    private let table: [UInt16]
    private let buckets: [[Int]]
    /// Rules that may begin with a scalar outside the BMP or with any scalar: tried everywhere.
    private let anywhere: [Int]

    /// - Throws: `.configurationInvalid` on a rule that does not parse.
    init(_ rules: [WordingRule]) throws {
        self.init(compiled: try rules.map { try CompiledWordingRule($0) })
    }

    /// Never fails: a rule that does not parse is matched as its literal phrase (loading the
    /// configuration from files refuses such rules before this).
    init(lenient rules: [WordingRule]) {
        let lenientRule = { (rule: WordingRule) -> CompiledWordingRule? in
            if let compiled = try? CompiledWordingRule(rule) { return compiled }
            var plain = rule
            plain.gap = nil
            return try? CompiledWordingRule(plain, plain: true)
        }
        self.init(compiled: rules.compactMap(lenientRule))
    }

    private init(compiled: [CompiledWordingRule]) {
        var table = [UInt16](repeating: 0, count: 0x10000)
        var buckets: [[Int]] = []
        var anywhere: [Int] = []
        for (index, rule) in compiled.enumerated() {
            if rule.beginsAnywhere { anywhere.append(index); continue }
            for first in Set(rule.firstScalars) {
                guard first < 0x10000 else { anywhere.append(index); continue }
                if table[Int(first)] == 0 {
                    buckets.append([])
                    table[Int(first)] = UInt16(buckets.count)
                }
                buckets[Int(table[Int(first)]) - 1].append(index)
            }
        }
        self.rules = compiled
        self.table = table
        self.buckets = buckets
        self.anywhere = Array(Set(anywhere)).sorted()
    }

    /// One match: which rule, where in the normalized text.
    struct Match {
        var rule: Int
        var start: Int
        var end: Int
    }

    /// Appends to `matches` every match in `text` outside the rules' exceptions: at each
    /// position, the shortest match of each rule.
    func matches(in text: UnsafeBufferPointer<Scalar>, into matches: inout [Match]) {
        let count = text.count
        table.withUnsafeBufferPointer { table in
            var position = 0
            while position < count {
                let v = text[position]
                if v < 0x10000 {
                    let bucket = Int(table[Int(v)])
                    if bucket != 0 {
                        for index in buckets[bucket - 1] { tryRule(index, text, position, &matches) }
                    }
                }
                for index in anywhere { tryRule(index, text, position, &matches) }
                position += 1
            }
        }
    }

    @inline(__always)
    private func tryRule(_ index: Int, _ text: UnsafeBufferPointer<Scalar>, _ position: Int, _ matches: inout [Match]) {
        let rule = rules[index]
        guard let end = rule.match(text, at: position), !rule.isExempt(text, start: position, end: end) else { return }
        matches.append(Match(rule: index, start: position, end: end))
    }
}
