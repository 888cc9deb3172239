public import Foundation

/// A strict RFC 8259 syntax check that runs before any decoder sees a document, so that what
/// Foundation would forgive or misplace is refused with the real position: duplicate object
/// keys (a decoder keeps one of them silently, and other languages another), trailing commas,
/// numbers too large for a double, nesting deeper than ``maximumDepth``. Errors carry the
/// field path (`policy.divisionCode`, `serviceItems[0].times`) and the 1-based line and column.
/// Never traps on any input.
public struct JSONSyntax {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// - Throws: ``ProtocolError`` `.invalidJSON` (syntax, depth, number range) or
    ///   `.duplicateKey`, with the path and the line and column.
    public static func validate(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var scanner = JSONSyntax(bytes: raw.bindMemory(to: UInt8.self))
            scanner.skipWhitespace()
            try scanner.value(path: "", depth: 0)
            scanner.skipWhitespace()
            guard scanner.offset == scanner.bytes.count else { throw scanner.error("unexpected text after the document") }
        }
    }

    /// What ``number(_:)`` read.
    public enum NumberReading: Equatable, Sendable {
        case value(Double)
        /// Not a JSON number (`+5`, `.5`, `0x10`, `inf`, text).
        case notANumber
        /// Beyond the largest double.
        case tooLarge
        /// A double would not read back as written (see ``validate(_:)``): too many significant digits.
        case inexact
        /// Not zero, but closer to zero than a double can hold (`1e-400` would be held as 0).
        case tooSmall
    }

    /// `text` (surrounding whitespace ignored) as one JSON number under the rules
    /// ``validate(_:)`` applies to every number of a document: the JSON grammar, finite, and
    /// reading back as written. For input that arrives as text, such as the console's fields.
    public static func number(_ text: String) -> NumberReading {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return .notANumber
        }
        do {
            try validate(Data(trimmed.utf8))
        } catch let error as ProtocolError {
            switch error.code {
            case .inexactNumber: return Double(trimmed) == 0 ? .tooSmall : .inexact
            case .invalidValue: return .tooLarge
            default: return .notANumber
            }
        } catch {
            return .notANumber
        }
        guard let value = Double(trimmed) else { return .notANumber }
        return .value(value)
    }

    /// A number written with a fraction or an exponent, where it stands.
    public struct NonIntegralNumber: Sendable {
        public var path: String
        public var text: String
        public var line: Int
        public var column: Int
    }

    /// The numbers of a valid document written with a fraction or an exponent (13.5, 1e3),
    /// in document order: the candidates when a decoder refuses a number without saying where.
    public static func nonIntegralNumbers(in data: Data) -> [NonIntegralNumber] {
        data.withUnsafeBytes { raw in
            var scanner = JSONSyntax(bytes: raw.bindMemory(to: UInt8.self))
            scanner.collectsNumbers = true
            scanner.skipWhitespace()
            try? scanner.value(path: "", depth: 0)
            return scanner.numbers
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0
    var collectsNumbers = false
    var numbers: [NonIntegralNumber] = []

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    func error(_ reason: String, at position: Int? = nil, path: String? = nil, code: ProtocolError.Code = .invalidJSON) -> ProtocolError {
        let (line, column) = Self.position(ofByte: position ?? offset, in: bytes)
        let field = path.flatMap { $0.isEmpty ? nil : $0 }
        return ProtocolError(code, field: field, reason: code == .invalidJSON ? "malformed JSON: \(reason)" : reason, line: line, column: column)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    static func position(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(0, offset)) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }

    mutating func value(path: String, depth: Int) throws {
        guard let byte = current else { throw error("unexpected end of the document") }
        switch byte {
        case UInt8(ascii: "{"): try object(path: path, depth: depth + 1)
        case UInt8(ascii: "["): try array(path: path, depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string(path: path)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(path: path)
        case UInt8(ascii: "t"): try literal("true", path: path)
        case UInt8(ascii: "f"): try literal("false", path: path)
        case UInt8(ascii: "n"): try literal("null", path: path)
        default: throw error("unexpected character '\(Self.printable(byte))'", path: path)
        }
    }

    static func printable(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : String(format: "\\u%04X", byte)
    }

    mutating func literal(_ word: String, path: String) throws {
        let start = offset
        for byte in word.utf8 {
            guard current == byte else { throw error("invalid literal (expected \(word))", at: start, path: path) }
            offset += 1
        }
    }

    mutating func object(path: String, depth: Int) throws {
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels", path: path) }
        offset += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return
        }
        var keys = Set<String>()
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else {
                if current == UInt8(ascii: "}") { throw error("trailing comma before '}'", path: path) }
                throw error("expected a quoted key", path: path)
            }
            let keyStart = offset
            let key = try string(path: path)
            let child = path.isEmpty ? key : "\(path).\(key)"
            guard keys.insert(key).inserted else {
                throw error("duplicate key '\(key)'", at: keyStart, path: child, code: .duplicateKey)
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key", path: child) }
            offset += 1
            skipWhitespace()
            try value(path: child, depth: depth)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"):
                offset += 1
                return
            default: throw error("expected ',' or '}'", path: path)
            }
        }
    }

    mutating func array(path: String, depth: Int) throws {
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels", path: path) }
        offset += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return
        }
        var index = 0
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "]") { throw error("trailing comma before ']'", path: path) }
            try value(path: "\(path)[\(index)]", depth: depth)
            index += 1
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"):
                offset += 1
                return
            default: throw error("expected ',' or ']'", path: path)
            }
        }
    }

    /// Reads a string token and returns its decoded text (escapes resolved).
    mutating func string(path: String) throws -> String {
        let start = offset
        offset += 1
        var scalars = String.UnicodeScalarView()
        var runStart = offset
        func flushRun(_ end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard let byte = current else { throw error("unterminated string", at: start, path: path) }
            switch byte {
            case UInt8(ascii: "\""):
                flushRun(offset)
                offset += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRun(offset)
                offset += 1
                guard let escape = current else { throw error("unterminated string", at: start, path: path) }
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let unit = try hex4(path: path)
                    if (0xD800..<0xDC00).contains(unit) {
                        guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in \\u escape", path: path)
                        }
                        offset += 2
                        let low = try hex4(path: path)
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape", path: path) }
                        let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    } else if let scalar = Unicode.Scalar(UInt32(unit)) {
                        scalars.append(scalar)
                    } else {
                        throw error("unpaired surrogate in \\u escape", path: path)
                    }
                default: throw error("invalid escape '\\\(Self.printable(escape))'", at: offset - 2, path: path)
                }
                runStart = offset
            case 0x00..<0x20:
                throw error("control character in a string (write it as an escape)", path: path)
            default:
                offset += 1
            }
        }
    }

    mutating func hex4(path: String) throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("incomplete \\u escape", path: path) }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape", path: path)
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    /// Whether `value`, the double `text` (a JSON number) parses to, is the decimal number
    /// `text` writes: true for `0.1`, `5e1`, `1e-7` and `9007199254740992`; false for
    /// `9007199254740993` (held as …992), `0.30000000000000000001` or `1e-400` (held as 0).
    static func isExact(_ text: String, _ value: Double) -> Bool {
        guard let written = Decimal(text), let held = Decimal(value.description) else { return false }
        return written == held
    }

    /// `value` in plain decimal digits, never in scientific notation, with the fewest digits that
    /// read back as `value` (Swift's shortest representation): `1e-7` → `0.0000001`, `5e1` → `50`,
    /// `1e21` → `1000000000000000000000`, `-0.0` → `0`. A value that is not finite as its description.
    public static func plainDigits(_ value: Double) -> String {
        guard value.isFinite, let decimal = Decimal(value.description) else { return "\(value)" }
        guard !decimal.digits.isEmpty else { return "0" }
        let digits = String(decoding: decimal.digits, as: UTF8.self)
        let sign = decimal.negative ? "-" : ""
        if decimal.exponent >= 0 { return sign + digits + String(repeating: "0", count: decimal.exponent) }
        let point = digits.count + decimal.exponent
        if point > 0 { return sign + digits.prefix(point) + "." + digits.dropFirst(point) }
        return sign + "0." + String(repeating: "0", count: -point) + digits
    }

    /// A decimal number as its significant digits (no leading or trailing zeros) and the power
    /// of ten of the last one; zero has no digits, whatever its sign.
    struct Decimal: Equatable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int

        /// Parses a JSON number or a Swift `Double.description` (`1e-07`, `9.0e+15`); nil when
        /// the exponent does not fit an `Int`.
        init?(_ text: String) {
            var bytes = Substring(text).utf8[...]
            negative = bytes.first == UInt8(ascii: "-")
            if negative { bytes = bytes.dropFirst() }
            var digits: [UInt8] = []
            var fractionDigits = 0
            var inFraction = false
            var exponent = 0
            while let byte = bytes.first {
                bytes = bytes.dropFirst()
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if digits.isEmpty, byte == UInt8(ascii: "0") {
                        if inFraction { fractionDigits += 1 }
                        continue
                    }
                    digits.append(byte)
                    if inFraction { fractionDigits += 1 }
                case UInt8(ascii: "."):
                    inFraction = true
                case UInt8(ascii: "e"), UInt8(ascii: "E"):
                    // Zero is zero whatever its exponent (0e99999999999999999999 included).
                    guard let power = Int(String(decoding: bytes, as: UTF8.self)) ?? (digits.isEmpty ? 0 : nil) else { return nil }
                    exponent = power
                    bytes = bytes[bytes.endIndex...]
                default:
                    return nil
                }
            }
            var trailing = 0
            while digits.last == UInt8(ascii: "0") {
                digits.removeLast()
                trailing += 1
            }
            let (shifted, overflow) = exponent.subtractingReportingOverflow(fractionDigits)
            guard !overflow, case let (power, overflow2) = shifted.addingReportingOverflow(trailing), !overflow2 else { return nil }
            self.digits = digits
            self.exponent = digits.isEmpty ? 0 : power
            if digits.isEmpty { negative = false }
        }
    }

    mutating func number(path: String) throws {
        let start = offset
        func digits() -> Int {
            let from = offset
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
            return offset - from
        }
        if current == UInt8(ascii: "-") { offset += 1 }
        if current == UInt8(ascii: "0") {
            offset += 1
            if let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                throw error("a number may not have leading zeros", at: start, path: path)
            }
        } else if digits() == 0 {
            throw error("invalid number", at: start, path: path)
        }
        if current == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { throw error("invalid number (digits expected after '.')", at: start, path: path) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { throw error("invalid number (digits expected in the exponent)", at: start, path: path) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text.prefix(40)) is too large", at: start, path: path, code: .invalidValue)
        }
        // Numbers are kept as binary64 doubles (RFC 8259 §6): one the double cannot hold as
        // written would be stored, forwarded and shown changed (9007199254740993 as …992).
        guard Self.isExact(text, value) else {
            if value == 0 {
                throw error("number \(text.prefix(40)) is too close to zero to be held as a double (binary64): it would be stored as 0",
                            at: start, path: path, code: .inexactNumber)
            }
            throw error("number \(text.prefix(40)) does not read back as written once held as a double (binary64): write at most 15 significant digits",
                        at: start, path: path, code: .inexactNumber)
        }
        // Candidates for "not a whole number that fits": fractions, exponents, and integers
        // beyond 64 bits.
        if collectsNumbers, text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) || abs(value) >= 9.2e18 {
            let (line, column) = Self.position(ofByte: start, in: bytes)
            numbers.append(NonIntegralNumber(path: path, text: text, line: line, column: column))
        }
    }
}
