/// Why a wire document was refused: what is wrong (`reason`) and where (`field`, a path such
/// as `serviceItems[0].validity.start`, or nil for the document as a whole; `line` and
/// `column` for syntax errors). English, for logs, API error bodies and the CLI.
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case invalidUTF8
        case invalidJSON
        case wrongType
        case missingField
        case invalidValue
        case unknownField
        /// An object names the same key twice (decoders disagree on which one wins).
        case duplicateKey
        /// A number that a double (binary64, RFC 8259 §6) does not read back as written, e.g.
        /// 9007199254740993 (held as …992): it would be stored and shown changed.
        case inexactNumber
    }

    public let code: Code
    public let field: String?
    public let reason: String
    public let line: Int?
    public let column: Int?

    public init(_ code: Code, field: String? = nil, reason: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.field = field
        self.reason = reason
        self.line = line
        self.column = column
    }

    public var description: String {
        var text = field.map { "\($0): \(reason)" } ?? reason
        if let line, let column { text += " (line \(line), column \(column))" }
        return text
    }
}
