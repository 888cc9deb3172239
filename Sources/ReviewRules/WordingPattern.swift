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
    /// Writes the normalized scalars of `text` to `out`, which must hold at least
    /// `capacity(for: text)` scalars; returns how many were written. No allocation for text
    /// of CJK, ASCII and full-width characters.
    static func normalize(_ text: String, into out: UnsafeMutableBufferPointer<Scalar>) -> Int {
        if let count = text.utf8.withContiguousStorageIfAvailable({ decode($0, into: out) }) { return count }
        var n = 0
        for scalar in text.unicodeScalars { n = put(scalar.value, out, n) }
        return n
    }

    /// The room `normalize` needs: one scalar per UTF-8 byte, and some for expansions.
    static func capacity(for text: String) -> Int { text.utf8.count + 16 }

    /// The normalized scalars of `text` and, for each, the offset of the scalar of `text`
    /// (in `text.unicodeScalars`) it came from. For quoting a match as written.
    static func normalizedWithOrigins(_ text: String) -> (scalars: [Scalar], origins: [Int32]) {
        var scalars: [Scalar] = []
        var origins: [Int32] = []
        let room = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: 64)
        defer { room.deallocate() }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let n = put(scalar.value, room, 0)
            for i in 0..<n {
                scalars.append(room[i])
                origins.append(Int32(offset))
            }
        }
        return (scalars, origins)
    }

    /// The normalized scalars of a pattern fragment or marker word.
    static func normalized(_ text: String) -> [Scalar] {
        normalizedWithOrigins(text).scalars
    }

    /// UTF-8 (valid: it comes from a String) decoded and folded into `out`.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Scalar>) -> Int {
        var n = 0
        var i = 0
        let count = bytes.count
        while i < count {
            let b0 = Scalar(bytes[i])
            let v: Scalar
            if b0 < 0x80 {
                v = b0
                i += 1
            } else if b0 < 0xE0 {
                v = (b0 & 0x1F) << 6 | Scalar(bytes[i + 1] & 0x3F)
                i += 2
            } else if b0 < 0xF0 {
                v = (b0 & 0x0F) << 12 | Scalar(bytes[i + 1] & 0x3F) << 6 | Scalar(bytes[i + 2] & 0x3F)
                i += 3
            } else {
                v = (b0 & 0x07) << 18 | Scalar(bytes[i + 1] & 0x3F) << 12 | Scalar(bytes[i + 2] & 0x3F) << 6 | Scalar(bytes[i + 3] & 0x3F)
                i += 4
            }
            n = put(v, out, n)
        }
        return n
    }

    /// Writes the fold of one scalar at `out[n...]`; returns the new count.
    @inline(__always)
    private static func put(_ v: Scalar, _ out: UnsafeMutableBufferPointer<Scalar>, _ n: Int) -> Int {
        // Fast paths: CJK ideographs, printable ASCII, CJK punctuation.
        if (0x4E00...0x9FFF).contains(v) || (0x21...0x7E).contains(v) || (0x3001...0x303F).contains(v) {
            out[n] = v
            return n + 1
        }
        if v <= 0x20 || v == 0x7F || v == 0x3000 { return n }  // white space and controls
        if (0xFF01...0xFF5E).contains(v) {  // full-width ASCII
            out[n] = v - 0xFEE0
            return n + 1
        }
        return putRare(v, out, n)
    }

    private static func putRare(_ v: Scalar, _ out: UnsafeMutableBufferPointer<Scalar>, _ n: Int) -> Int {
        switch v {
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0,
             0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFE00...0xFE0F, 0xE0000...0xE0FFF:
            return n  // invisible: zero-width, soft hyphen, joiners, bidi, variation selectors, tags
        case 0x2018...0x201D, 0x2026, 0x2014, 0x00B7:
            out[n] = v  // Chinese quotes, ellipsis, dash, middle dot: kept as written
            return n + 1
        default:
            break
        }
        guard let scalar = Unicode.Scalar(v) else { return n }
        switch scalar.properties.generalCategory {
        case .format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .nonspacingMark:
            return n
        default:
            break
        }
        // Compatibility characters (Kangxi radicals, CJK compatibility ideographs, circled
        // numbers, …): their NFKC form. Rare, so the Foundation call costs nothing in practice.
        var n = n
        for s in String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars where n < out.count {
            let w = s.value
            if w <= 0x20 || w == 0x3000 { continue }
            out[n] = (0xFF01...0xFF5E).contains(w) ? w - 0xFEE0 : w
            n += 1
        }
        return n
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
    static let definitionMarkers: [[Scalar]] = ["所称", "是指", "系指", "专指", "特指", "指的是", "定义为", ",指", "以下简称", "以下统称"].map(TextNormalizer.normalized)

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

    /// Whether a structural match `start..<end` (found by `FlatProgram`) passes the rule's
    /// notContaining, notFollowedBy and notPrecededBy conditions.
    func accepts(_ text: UnsafeBufferPointer<Scalar>, start: Int, end: Int) -> Bool {
        for word in notContaining where Self.find(word, in: text, from: start, to: end) { return false }
        for word in notFollowedBy where Self.has(word, in: text, at: end) { return false }
        for word in notPrecededBy where start >= word.count && Self.has(word, in: text, at: start - word.count) { return false }
        return true
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
    private let program: FlatProgram

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
        self.rules = compiled
        self.program = FlatProgram(compiled)
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
        let p = program
        let count = text.count
        var position = 0
        while position < count {
            let v = text[position]
            let bucket = v < 0x10000 ? Int(p.table[Int(v)]) : 0
            var k = Int(p.bucketStart[bucket])
            let bucketEnd = Int(p.bucketStart[bucket + 1])
            while k < bucketEnd {
                let index = Int(p.bucketRules[k])
                if let end = p.match(rule: index, text, at: position) {
                    let rule = rules[index]
                    if rule.accepts(text, start: position, end: end), !rule.isExempt(text, start: position, end: end) {
                        matches.append(Match(rule: index, start: position, end: end))
                    }
                }
                k += 1
            }
            for a in 0..<p.anywhere.count {
                let index = Int(p.anywhere[a])
                if let end = p.match(rule: index, text, at: position) {
                    let rule = rules[index]
                    if rule.accepts(text, start: position, end: end), !rule.isExempt(text, start: position, end: end) {
                        matches.append(Match(rule: index, start: position, end: end))
                    }
                }
            }
            position += 1
        }
    }
}

/// The patterns of all rules in flat buffers, so that the structural match touches no
/// reference counts: rule → parts → options → scalars, each a range into the next.
final class FlatProgram: @unchecked Sendable {  // immutable after init
    /// Per BMP scalar: the bucket of rules that can begin with it (0: none).
    let table: UnsafeMutableBufferPointer<UInt16>
    /// Bucket b holds bucketRules[bucketStart[b]..<bucketStart[b + 1]]; bucket 0 is empty.
    let bucketStart: UnsafeMutableBufferPointer<Int32>
    let bucketRules: UnsafeMutableBufferPointer<Int32>
    /// Rules that may begin with any scalar or one outside the BMP: tried at every position.
    let anywhere: UnsafeMutableBufferPointer<Int32>
    /// Rule r has parts partStart[r]..<partStart[r + 1] and gap maxGap[r].
    let partStart: UnsafeMutableBufferPointer<Int32>
    let maxGap: UnsafeMutableBufferPointer<Int32>
    /// Part kind: 0 choice, 1 none-of, 2 gap; part p has options optionStart[p]..<optionStart[p + 1].
    let partKind: UnsafeMutableBufferPointer<UInt8>
    let optionStart: UnsafeMutableBufferPointer<Int32>
    /// Option o is pool[scalarStart[o]..<scalarStart[o + 1]] (for none-of, one option per member).
    let scalarStart: UnsafeMutableBufferPointer<Int32>
    let pool: UnsafeMutableBufferPointer<Scalar>

    init(_ rules: [CompiledWordingRule]) {
        func buffer<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
            _ = b.initialize(from: array)
            return b
        }
        var table = [UInt16](repeating: 0, count: 0x10000)
        var buckets: [[Int32]] = [[]]
        var anywhere: [Int32] = []
        var partStart: [Int32] = [0], maxGap: [Int32] = [], partKind: [UInt8] = [], optionStart: [Int32] = [0]
        var scalarStart: [Int32] = [0], pool: [Scalar] = []
        for (index, rule) in rules.enumerated() {
            let r = Int32(index)
            if rule.beginsAnywhere {
                anywhere.append(r)
            } else {
                for first in Set(rule.firstScalars).sorted() {
                    guard first < 0x10000 else { if !anywhere.contains(r) { anywhere.append(r) }; continue }
                    if table[Int(first)] == 0 {
                        buckets.append([])
                        table[Int(first)] = UInt16(buckets.count - 1)
                    }
                    buckets[Int(table[Int(first)])].append(r)
                }
            }
            for part in rule.parts {
                let options: [[Scalar]]
                switch part {
                case .choice(let choices): partKind.append(0); options = choices
                case .notIn(let set): partKind.append(1); options = set.map { [$0] }
                case .gap: partKind.append(2); options = []
                }
                for option in options {
                    pool += option
                    scalarStart.append(Int32(pool.count))
                }
                optionStart.append(Int32(scalarStart.count - 1))
            }
            partStart.append(Int32(partKind.count))
            maxGap.append(Int32(rule.maxGap))
        }
        var bucketStart: [Int32] = [0]
        var bucketRules: [Int32] = []
        for bucket in buckets {
            bucketRules += bucket
            bucketStart.append(Int32(bucketRules.count))
        }
        self.table = buffer(table)
        self.bucketStart = buffer(bucketStart)
        self.bucketRules = buffer(bucketRules)
        self.anywhere = UnsafeMutableBufferPointer(start: buffer(anywhere).baseAddress, count: anywhere.count)
        self.partStart = buffer(partStart)
        self.maxGap = buffer(maxGap)
        self.partKind = buffer(partKind)
        self.optionStart = buffer(optionStart)
        self.scalarStart = buffer(scalarStart)
        self.pool = buffer(pool)
    }

    deinit {
        for b in [bucketStart, bucketRules, anywhere, partStart, maxGap, optionStart, scalarStart] { b.deallocate() }
        table.deallocate()
        partKind.deallocate()
        pool.deallocate()
    }

    /// The end (exclusive) of the shortest match of rule `rule` beginning at `start`, or nil.
    @inline(__always)
    func match(rule: Int, _ text: UnsafeBufferPointer<Scalar>, at start: Int) -> Int? {
        matchPart(Int(partStart[rule]), Int(partStart[rule + 1]), Int(maxGap[rule]), text, start)
    }

    private func matchPart(_ part: Int, _ end: Int, _ gap: Int, _ text: UnsafeBufferPointer<Scalar>, _ position: Int) -> Int? {
        if part == end { return position }
        switch partKind[part] {
        case 0:
            var option = Int(optionStart[part])
            let last = Int(optionStart[part + 1])
            while option < last {
                let from = Int(scalarStart[option])
                let length = Int(scalarStart[option + 1]) - from
                if position + length <= text.count {
                    var i = 0
                    while i < length, text[position + i] == pool[from + i] { i += 1 }
                    if i == length, let found = matchPart(part + 1, end, gap, text, position + length) { return found }
                }
                option += 1
            }
            return nil
        case 1:
            guard position < text.count else { return nil }
            let v = text[position]
            guard !TextNormalizer.stopsGap(v) else { return nil }
            for option in Int(optionStart[part])..<Int(optionStart[part + 1]) where pool[Int(scalarStart[option])] == v { return nil }
            return matchPart(part + 1, end, gap, text, position + 1)
        default:
            var width = 0
            while true {
                if let found = matchPart(part + 1, end, gap, text, position + width) { return found }
                guard width < gap, position + width < text.count, !TextNormalizer.stopsGap(text[position + width]) else { return nil }
                width += 1
            }
        }
    }
}
