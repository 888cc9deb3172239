import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The element form as HTML form fields, both ways: a ``CaseForm`` to the values a page shows,
/// and the posted fields back to a ``CaseForm`` (for drafters who fill the form in instead of
/// uploading its JSON). Field names: `policy.title`, `items.0.validity.start`, …; list elements
/// are one entry per line, structured list entries separate their parts with `|`, and an
/// explicitly empty list (no materials for 免申即享) is written “无”.
enum ElementFields {
    /// How an element is entered.
    enum Input: String {
        case text, longText, lines, dateSpan, integer, count, materials, cap, competition, publicity, contacts
        /// One value of a controlled vocabulary (a drop-down).
        case choice
        /// Values of a controlled vocabulary (tick boxes).
        case choices
    }

    static func input(_ element: Element) -> Input {
        switch element {
        case .itemName, .draftingUnit, .implementingUnit, .publishingUnit, .applicationPlace: .text
        case .benefitType, .redemptionLevel: .choice
        case .applicantTypes, .applicationMethods, .redemptionMethods: .choices
        case .policyBasis, .redemptionContent, .fundSupervision, .recovery, .penalty, .publicityHandling: .longText
        case .region, .conditions, .applicationSteps, .internalApprovalSteps: .lines
        case .validity, .applicationWindow: .dateSpan
        case .internalApprovalDays, .redemptionDays: .integer
        case .applicationCount: .count
        case .applicationMaterials: .materials
        case .redemptionCap: .cap
        case .competitive: .competition
        case .publicity: .publicity
        case .consultation: .contacts
        }
    }

    /// The controlled vocabulary an element's values come from (`Config/rules/vocabularies.json`).
    /// None of them has 其他: the linter accepts only these values.
    static func vocabulary(_ element: Element, _ vocabularies: Vocabularies) -> [String] {
        switch element {
        case .benefitType: vocabularies.benefitTypes
        case .redemptionLevel: vocabularies.redemptionLevels
        case .applicantTypes: vocabularies.applicantTypes
        case .applicationMethods: vocabularies.applicationMethods
        case .redemptionMethods: vocabularies.redemptionMethods
        case .applicationCount: vocabularies.applicationPeriods
        default: []
        }
    }

    /// A vocabulary's options with `chosen` ticked; chosen values outside the vocabulary (from
    /// an uploaded form) stay, marked, so that nothing typed is lost and the linter names them.
    static func options(_ allowed: [String], chosen: [String]) -> [[String: Any]] {
        allowed.map { ["value": $0, "selected": chosen.contains($0)] }
            + chosen.filter { !$0.isEmpty && !allowed.contains($0) }.map { ["value": $0, "selected": true, "nonstandard": true] }
    }

    /// Hints shown under structured inputs.
    static func hint(_ input: Input) -> String? {
        switch input {
        case .lines: "每行一项;没有则填“无”"
        case .choices: "可多选"
        case .materials: "每行一项:材料名称|原件或复印件|份数;免申即享等无需材料的填“无”"
        case .contacts: "每行一项:咨询单位|电话"
        default: nil
        }
    }

    // MARK: Form → fields

    /// The parts of a structured element, as (field suffix, JSON key path).
    static func parts(_ input: Input) -> [(suffix: String, path: [String])] {
        switch input {
        case .dateSpan: [(".start", ["start"]), (".end", ["end"])]
        case .count: [(".period", ["period"]), (".times", ["times"])]
        case .cap: [(".value", ["amount", "value"]), (".unit", ["amount", "unit"]), (".notApplicable", ["notApplicable"])]
        case .competition: [(".isCompetitive", ["isCompetitive"]), (".selectionMethod", ["selectionMethod"])]
        case .publicity: [(".channel", ["channel"]), (".days", ["days"])]
        case .text, .longText, .lines, .integer, .materials, .contacts, .choice, .choices: [("", [])]
        }
    }

    /// The keys of a list element's entries, written `a|b|c` on one line.
    static func columns(_ input: Input) -> [String] {
        switch input {
        case .materials: ["name", "form", "copies"]
        case .contacts: ["unit", "phone"]
        default: []
        }
    }

    /// The values of every field for `form`, keyed by field name.
    static func values(_ form: CaseForm) -> [String: String] {
        var values: [String: String] = [
            "policy.title": form.policy.title ?? "", "policy.documentNumber": form.policy.documentNumber ?? "",
            "policy.draftingUnit": form.policy.draftingUnit ?? "", "policy.divisionCode": form.policy.divisionCode ?? "",
            "policy.level": form.policy.level.rawValue, "policy.kind": form.policy.kind.rawValue,
            "policy.effectiveDate": form.policy.effectiveDate ?? "",
        ]
        for (index, item) in form.serviceItems.enumerated() {
            let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(item))) as? [String: Any] ?? [:]
            for element in Element.allCases {
                let input = input(element)
                let name = "items.\(index).\(element.rawValue)"
                let value = object[element.rawValue]
                switch input {
                case .lines, .choices, .materials, .contacts:
                    guard let list = value as? [Any] else { continue }
                    values[name] = list.isEmpty ? none : list.map { entry in
                        input == .lines || input == .choices ? scalar(entry) : columns(input).map { scalar((entry as? [String: Any])?[$0]) }.joined(separator: "|")
                    }.joined(separator: "\n")
                default:
                    for (suffix, path) in parts(input) {
                        values[name + suffix] = scalar(path.reduce(value) { ($0 as? [String: Any])?[$1] })
                    }
                }
            }
        }
        return values
    }

    /// How a list that is empty on purpose is written.
    static let none = "无"

    /// A JSON scalar as a field's text ("" for none).
    static func scalar(_ value: Any?) -> String {
        switch value {
        case let string as String: string
        case let number as NSNumber where String(cString: number.objCType) == "c": number.boolValue ? "true" : "false"
        case let number as NSNumber: ConsoleView.plainNumber(number)
        default: ""
        }
    }

    /// The posted fields as values for ``view(_:itemCount:vocabularies:)``: a field posted more
    /// than once (ticked boxes) as one value per line.
    static func posted(_ form: ConsoleForm) -> [String: String] {
        form.fields.mapValues { $0.filter { !$0.isEmpty }.joined(separator: "\n") }
    }

    /// The view of the fill-in form: the policy fields and `itemCount` items of grouped elements.
    static func view(_ values: [String: String], itemCount: Int, vocabularies: Vocabularies) -> [String: Any] {
        let items = (0..<itemCount).map { index -> [String: Any] in
            let groups = ElementGroup.allCases.map { group -> [String: Any] in
                let elements = Element.allCases.filter { $0.group == group }.map { element -> [String: Any] in
                    let name = "items.\(index).\(element.rawValue)"
                    let input = input(element)
                    var view: [String: Any] = ["label": element.chineseName, "name": name, "is_" + input.rawValue: true]
                    for suffix in ["", ".start", ".end", ".period", ".times", ".value", ".unit", ".notApplicable", ".isCompetitive",
                                   ".selectionMethod", ".channel", ".days"] {
                        view["value" + suffix.replacingOccurrences(of: ".", with: "_")] = values[name + suffix] ?? ""
                    }
                    view["competitiveYes"] = values[name + ".isCompetitive"] == "true"
                    view["competitiveNo"] = values[name + ".isCompetitive"] == "false"
                    view["hintText"] = hint(input)
                    let allowed = vocabulary(element, vocabularies)
                    if !allowed.isEmpty {
                        let key = input == .count ? name + ".period" : name
                        let chosen = (values[key] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                        view["options"] = options(allowed, chosen: chosen == [none] ? [] : chosen)
                    }
                    return view
                }
                return ["name": group.chineseName, "elements": elements]
            }
            return ["number": index + 1, "groups": groups]
        }
        var view: [String: Any] = ["items": items, "itemCount": itemCount]
        for key in ["title", "documentNumber", "draftingUnit", "divisionCode", "effectiveDate"] { view["policy_" + key] = values["policy." + key] ?? "" }
        view["levels"] = [["value": "county", "name": "县(市)区级政策", "selected": values["policy.level"] != "city"],
                          ["value": "city", "name": "市级政策", "selected": values["policy.level"] == "city"]]
        view["kinds"] = CaseKind.allCases.map { ["value": $0.rawValue, "name": $0.chineseName, "selected": values["policy.kind"] == $0.rawValue] }
        return view
    }

    // MARK: Fields → form

    /// The fill-in form's hidden item count: 1 when absent, at most 50.
    /// - Throws: 422 on `itemCount` when it is not plain digits (`+1`, `01`, `2.0`).
    static func itemCount(_ form: ConsoleForm) throws -> Int {
        guard let text = form.value("itemCount") else { return 1 }
        guard let count = WholeNumber.int(text) else { throw APIError.invalid("itemCount", "事项数应为整数,请刷新页面后重新填写") }
        return min(count, 50)
    }

    /// The case form from posted fields. Values the types cannot hold (a non-number where days
    /// go, say) are refused naming the field; everything else is left to the linter.
    static func caseForm(_ form: ConsoleForm) throws -> CaseForm {
        guard let level = PolicyLevel(rawValue: form.value("policy.level") ?? "") else { throw APIError.invalid("policy.level", "请选择政策层级") }
        guard let kind = CaseKind(rawValue: form.value("policy.kind") ?? "") else { throw APIError.invalid("policy.kind", "请选择申请类型") }
        let policy = Policy(title: form.value("policy.title"), documentNumber: form.value("policy.documentNumber"),
                            draftingUnit: form.value("policy.draftingUnit"), divisionCode: form.value("policy.divisionCode"),
                            level: level, kind: kind, effectiveDate: form.value("policy.effectiveDate"))
        // A withdrawal may list no service items.
        let count = try itemCount(form)
        let items = try (0..<count).map { index -> ServiceItem in
            var object: [String: Any] = [:]
            for element in Element.allCases {
                let name = "items.\(index).\(element.rawValue)"
                object[element.rawValue] = try json(input(element), name, form)
            }
            do {
                return try JSONDecoder().decode(ServiceItem.self, from: JSONSerialization.data(withJSONObject: object))
            } catch {
                throw APIError.invalid("items.\(index)", "事项\(index + 1)的要素无法组成要素表", detail: String(describing: error))
            }
        }
        return CaseForm(policy: policy, serviceItems: items, materials: [])
    }

    /// One element's JSON value from its fields; nil when they are all empty.
    static func json(_ input: Input, _ name: String, _ form: ConsoleForm) throws -> Any? {
        let lines = (form.fields[name]?.first ?? "").split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        switch input {
        case .text, .longText, .choice:
            return form.value(name)
        case .choices:
            // Ticked boxes, one field each; or one value per line (a form carried as text).
            let chosen = form.values(name).flatMap { $0.split(whereSeparator: \.isNewline) }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return chosen == [none] ? [String]() : chosen.isEmpty ? nil : chosen
        case .integer:
            return try form.value(name).map { try number($0, name, integer: true) }
        case .lines:
            return lines == [none] ? [String]() : lines.isEmpty ? nil : lines
        case .materials, .contacts:
            if lines == [none] { return [Any]() }
            guard !lines.isEmpty else { return nil }
            return try lines.map { line -> [String: Any] in
                let cells = line.replacingOccurrences(of: "|", with: "|").split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                var entry: [String: Any] = [:]
                for (column, cell) in zip(columns(input), cells) where !cell.isEmpty {
                    entry[column] = column == "copies" ? try number(cell, name, integer: true) : cell
                }
                return entry
            }
        default:
            var object: [String: Any] = [:]
            for (suffix, path) in parts(input) {
                guard let text = form.value(name + suffix) else { continue }
                let value: Any = switch path.last! {
                case "times", "days": try number(text, name + suffix, integer: true)
                case "value": try number(text, name + suffix, integer: false)
                case "isCompetitive": text == "true"
                default: text
                }
                if path.count == 2 {
                    var inner = object[path[0]] as? [String: Any] ?? [:]
                    inner[path[1]] = value
                    object[path[0]] = inner
                } else {
                    object[path[0]] = value
                }
            }
            return object.isEmpty ? nil : object
        }
    }

    /// A typed number under the rules of the JSON API (``JSONSyntax/number(_:)``): plain decimal
    /// digits, finite, reading back as written; an `Int` when `integer`.
    /// - Throws: 422 naming `field`, in Chinese.
    static func number(_ text: String, _ field: String, integer: Bool) throws -> Any {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        switch JSONSyntax.number(text) {
        case .value(let value):
            guard integer else { return value }
            guard let whole = Int(exactly: value) else { throw APIError.invalid(field, "“\(shown)”不是整数") }
            return whole
        case .notANumber:
            throw APIError.invalid(field, "“\(shown)”不是\(integer ? "整数" : "数字"),请只填写阿拉伯数字" + (integer ? "" : "(可带小数点)"))
        case .tooLarge:
            throw APIError.invalid(field, "“\(shown)”超出可填写的范围")
        case .inexact:
            throw APIError.invalid(field, "“\(shown)”有效数字过多,无法按原样保存,请不超过15位有效数字")
        case .tooSmall:
            throw APIError.invalid(field, "“\(shown)”过于接近零,无法按原样保存")
        }
    }
}
