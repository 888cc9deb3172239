import Foundation
public import ReviewProtocol

/// Element-level comparison of two revisions of a case form: what the reviewer sees after a
/// resubmission, and what the one-shot rule asks ("has this element changed since the last
/// notice?"). Values are compared as canonical JSON.
public enum ElementDiff {
    /// One changed element (or policy field, or a whole item added or removed).
    public struct Change: Codable, Hashable, Sendable {
        /// e.g. `serviceItems[0].validity`, `policy.title`, `serviceItems[2]`.
        public var path: String
        public var itemIndex: Int?
        public var element: Element?
        /// Canonical JSON of the old value; nil when absent.
        public var before: String?
        /// Canonical JSON of the new value; nil when absent.
        public var after: String?
    }

    /// Canonical JSON of each element of each item, keyed `serviceItems[i].<key>`, plus the
    /// policy fields keyed `policy.<key>`. Absent elements have no entry.
    public static func snapshot(of form: CaseForm) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in object(of: form.policy) { out["policy.\(key)"] = value }
        for (index, item) in form.serviceItems.enumerated() {
            for (key, value) in object(of: item) { out["serviceItems[\(index)].\(key)"] = value }
        }
        return out
    }

    /// Every difference from `old` to `new`, in policy-then-item-then-element order.
    public static func changes(from old: CaseForm, to new: CaseForm) -> [Change] {
        let before = snapshot(of: old)
        let after = snapshot(of: new)
        var changes: [Change] = []
        let policyKeys = Set(before.keys.filter { $0.hasPrefix("policy.") }).union(after.keys.filter { $0.hasPrefix("policy.") }).sorted()
        for key in policyKeys where before[key] != after[key] {
            changes.append(Change(path: key, itemIndex: nil, element: nil, before: before[key], after: after[key]))
        }
        for index in 0..<max(old.serviceItems.count, new.serviceItems.count) {
            if index >= old.serviceItems.count || index >= new.serviceItems.count {
                changes.append(Change(path: "serviceItems[\(index)]", itemIndex: index, element: nil,
                                      before: index < old.serviceItems.count ? "{…}" : nil,
                                      after: index < new.serviceItems.count ? "{…}" : nil))
                continue
            }
            for element in Element.allCases {
                let key = "serviceItems[\(index)].\(element.rawValue)"
                if before[key] != after[key] {
                    changes.append(Change(path: key, itemIndex: index, element: element, before: before[key], after: after[key]))
                }
            }
        }
        return changes
    }

    private static func object(of value: some Encodable) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            guard let encoded = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else { continue }
            out[key] = String(decoding: encoded, as: UTF8.self)
        }
        return out
    }
}

/// The one-shot rule (Art 8: 一次性书面告知; DESIGN §2): a later notice on the same case should
/// not raise a new finding on an element that has not changed since the previous notice,
/// unless the reviewer records why.
public enum OneShotRule {
    /// The element paths (`serviceItems[i].<key>`) of `findings` that need a recorded reason:
    /// not raised in the previous notice, and unchanged between the revision that notice was
    /// issued against and the current one. Paths with a non-empty reason in `reasons` pass.
    public static func pathsNeedingReason(
        findings: [Finding], previousFindings: [Finding], previousForm: CaseForm, currentForm: CaseForm,
        reasons: [String: String]
    ) -> [String] {
        let raisedBefore = Set(previousFindings.compactMap(elementPath))
        let before = ElementDiff.snapshot(of: previousForm)
        let now = ElementDiff.snapshot(of: currentForm)
        var out: [String] = []
        for path in findings.compactMap(elementPath) where !raisedBefore.contains(path) && !out.contains(path) {
            let unchanged = before[path] == now[path]
            let reason = reasons[path]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if unchanged && reason.isEmpty { out.append(path) }
        }
        return out
    }

    /// `serviceItems[i].<element>` for an element finding; nil otherwise.
    public static func elementPath(_ finding: Finding) -> String? {
        guard let index = finding.itemIndex, let element = finding.element else { return nil }
        return "serviceItems[\(index)].\(element.rawValue)"
    }
}
