public import Foundation

/// Decodes wire documents strictly: the bytes must be UTF-8, the JSON well formed, every value
/// of the declared type, and no field unknown to the type (a misspelt element key would
/// otherwise vanish silently). Errors name the field, or the line and column.
public enum StrictJSONDecoder {
    /// - Throws: ``ProtocolError``.
    public static func decode<T: Codable>(_ type: T.Type, from data: Data) throws -> T {
        if String(validating: data, as: UTF8.self) == nil {
            let offset = firstInvalidUTF8Offset(data)
            let (line, column) = position(ofByte: offset, in: data)
            throw ProtocolError(.invalidUTF8, reason: "the body is not valid UTF-8 (byte \(offset))", line: line, column: column)
        }
        let tree: Any
        do {
            tree = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw syntaxError(error, data: data)
        }
        let value: T
        do {
            value = try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw protocolError(error)
        }
        let encoder = JSONEncoder()
        let canonical = try JSONSerialization.jsonObject(with: encoder.encode(value), options: [.fragmentsAllowed])
        if let path = firstUnknownField(tree, known: canonical, path: "") {
            throw ProtocolError(.unknownField, field: path, reason: "unknown field")
        }
        return value
    }

    /// The path of the first key in `input` (with a non-null value) that `known` lacks.
    static func firstUnknownField(_ input: Any, known: Any, path: String) -> String? {
        if let object = input as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let value = object[key], !(value is NSNull) else { continue }
                guard let knownValue = knownObject[key] else { return child }
                if let found = firstUnknownField(value, known: knownValue, path: child) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (index, element) in array.enumerated() where index < knownArray.count {
                if let found = firstUnknownField(element, known: knownArray[index], path: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    static func protocolError(_ error: DecodingError) -> ProtocolError {
        func path(_ keys: [any CodingKey]) -> String? {
            var out = ""
            for key in keys {
                if let index = key.intValue { out += "[\(index)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return out.isEmpty ? nil : out
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ProtocolError(.wrongType, field: path(context.codingPath), reason: "expected \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return ProtocolError(.wrongType, field: path(context.codingPath), reason: "expected \(jsonTypeName(type)), found null")
        case .keyNotFound(let key, let context):
            return ProtocolError(.missingField, field: path(context.codingPath + [key]), reason: "required field is missing")
        case .dataCorrupted(let context):
            return ProtocolError(.invalidValue, field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return ProtocolError(.invalidValue, reason: String(describing: error))
        }
    }

    private static func syntaxError(_ error: any Error, data: Data) -> ProtocolError {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "malformed JSON"
        // Foundation reports "… around character N." (a byte offset).
        if let range = detail.range(of: "character "),
           let offset = Int(detail[range.upperBound...].prefix { $0.isNumber }) {
            let (line, column) = position(ofByte: offset, in: data)
            let reason = detail.replacingOccurrences(of: " around character \(offset)", with: "")
            return ProtocolError(.invalidJSON, reason: "malformed JSON: \(reason.trimmingCharacters(in: CharacterSet(charactersIn: ".")))", line: line, column: column)
        }
        let (line, column) = position(ofByte: data.count, in: data)
        return ProtocolError(.invalidJSON, reason: "malformed JSON: \(detail.trimmingCharacters(in: CharacterSet(charactersIn: ".")))", line: line, column: column)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    static func position(ofByte offset: Int, in data: Data) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        var offset = 0
        while case .valid(let encoded) = parser.parseScalar(from: &iterator) {
            offset += encoded.count
        }
        return offset
    }
}

func jsonTypeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type: "a whole number"
    case is Double.Type: "a number"
    case is Bool.Type: "true or false"
    default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
    }
}
