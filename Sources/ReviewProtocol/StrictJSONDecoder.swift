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
        // Duplicate keys, trailing commas, out-of-range numbers and deep nesting first, with
        // their real position: Foundation forgives some of them and misplaces others.
        try JSONSyntax.validate(data)
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
            // Foundation refuses 13.5 for an Int as "not valid JSON", naming no field: find the
            // number whose replacement by a whole one lets the document decode further.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let culprit = nonIntegralCulprit(type, data: data, tree: tree) {
                let fraction = culprit.text.contains { $0 == "." || $0 == "e" || $0 == "E" }
                throw ProtocolError(fraction ? .wrongType : .invalidValue, field: culprit.path.isEmpty ? nil : culprit.path,
                                    reason: fraction ? "expected a whole number, found \(culprit.text.prefix(40))" : "number \(culprit.text.prefix(40)) is too large",
                                    line: culprit.line, column: culprit.column)
            }
            throw protocolError(error)
        }
        let encoder = JSONEncoder()
        let canonical = try JSONSerialization.jsonObject(with: encoder.encode(value), options: [.fragmentsAllowed])
        if let path = firstUnknownField(tree, known: canonical, path: "") {
            throw ProtocolError(.unknownField, field: path, reason: "unknown field")
        }
        return value
    }

    /// The first number written with a fraction that the decoder cannot take where it stands:
    /// each candidate in turn is replaced by its whole part; the first whose replacement
    /// changes the decoder's answer is the culprit.
    static func nonIntegralCulprit<T: Codable>(_ type: T.Type, data: Data, tree: Any) -> JSONSyntax.NonIntegralNumber? {
        let candidates = JSONSyntax.nonIntegralNumbers(in: data)
        guard !candidates.isEmpty, candidates.count <= 1000 else { return nil }
        for candidate in candidates {
            guard let value = Double(candidate.text).map({ $0.rounded(.towardZero) }),
                  let replaced = replacing(in: tree, path: pathComponents(candidate.path), with: abs(value) < 1e15 ? Int(value) : 0),
                  let probe = try? JSONSerialization.data(withJSONObject: replaced, options: [.fragmentsAllowed])
            else { continue }
            do {
                _ = try JSONDecoder().decode(type, from: probe)
                return candidate
            } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
                continue
            } catch {
                return candidate
            }
        }
        return nil
    }

    /// `serviceItems[0].applicationCount.times` → ["serviceItems", 0, "applicationCount", "times"].
    static func pathComponents(_ path: String) -> [Any] {
        var components: [Any] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { components.append(String(rest[..<bracket])) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    components.append(Int(rest[rest.index(after: rest.startIndex)..<close]) ?? 0)
                    rest = rest[rest.index(after: close)...]
                }
            } else if !rest.isEmpty {
                components.append(String(rest))
            }
        }
        return components
    }

    static func replacing(in tree: Any, path: [Any], with value: Any) -> Any? {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        if let key = first as? String, var object = tree as? [String: Any], let child = object[key] {
            guard let replaced = replacing(in: child, path: rest, with: value) else { return nil }
            object[key] = replaced
            return object
        }
        if let index = first as? Int, var array = tree as? [Any], array.indices.contains(index) {
            guard let replaced = replacing(in: array[index], path: rest, with: value) else { return nil }
            array[index] = replaced
            return array
        }
        return nil
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
        data.withUnsafeBytes { raw in JSONSyntax.position(ofByte: offset, in: raw.bindMemory(to: UInt8.self)) }
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
