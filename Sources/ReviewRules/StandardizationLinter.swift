public import ReviewProtocol

/// The standardization check (Art 7): a linter over the case form that returns every
/// finding in one pass (Art 8: 一次性书面告知需要补正的全部信息). Pure: no clock, no IO.
public struct StandardizationLinter: Sendable {
    public let configuration: RulesConfiguration
    /// The wording rules, compiled once.
    let matcher: WordingMatcher

    /// Compiles the wording rules once. A rule whose pattern does not parse (only possible when
    /// the configuration was not loaded from files, which refuse it) is matched literally.
    public init(configuration: RulesConfiguration) {
        self.configuration = configuration
        self.matcher = WordingMatcher(lenient: configuration.wording)
    }

    /// All findings for `form`: policy fields, materials, and for each service item every
    /// element's presence, type, vocabulary, wording and cross-element consistency.
    /// Findings are ordered policy, materials, then item by item in element order.
    public func check(_ form: CaseForm) -> [Finding] {
        var sink = FindingSink()
        checkPolicy(form.policy, into: &sink)
        sink.findings += MaterialsCheck.findings(kind: form.policy.kind, materials: form.materials)
        // Art 13: a withdrawal takes items offline; their elements are not reviewed again.
        guard form.policy.kind != .withdrawal else { return sink.findings }
        if form.serviceItems.isEmpty {
            sink.add(.itemsMissing, path: "serviceItems", "未填写政策服务事项,至少应包含一个可供企业或居民办理的具体事项", suggestion: "按《审查办法》第七条逐项填写政策服务事项及其要素")
        }
        // Names seen so far, compared by UTF-8 bytes: a case has few items, and hashing a
        // String normalizes it first.
        var seenNames: [(name: String, index: Int)] = []
        var scratch = WordingScratch()
        for (index, item) in form.serviceItems.enumerated() {
            var itemSink = ItemSink(index: index, sink: sink)
            checkElements(item, policy: form.policy, into: &itemSink)
            checkConsistency(item, policy: form.policy, into: &itemSink)
            checkWording(item, scratch: &scratch, into: &itemSink)
            sink = itemSink.sink
            if let name = item.itemName?.trimmed, !name.isEmpty {
                if let first = seenNames.first(where: { $0.name.sameBytes(as: name) })?.index {
                    sink.add(.itemNameDuplicate, itemIndex: index, element: .itemName, path: "serviceItems[\(index)].itemName", "事项名称“\(name)”与第\(first + 1)项重复", suggestion: "合并重复事项,或在名称中写明区别")
                } else {
                    seenNames.append((name, index))
                }
            }
        }
        return sink.findings
    }

    private func checkPolicy(_ policy: Policy, into sink: inout FindingSink) {
        for (key, name, value) in [("title", "政策文件标题", policy.title), ("draftingUnit", "政策制定部门", policy.draftingUnit), ("divisionCode", "所属行政区划代码", policy.divisionCode)]
        where (value?.trimmed ?? "").isEmpty {
            sink.add(.policyFieldMissing, path: "policy.\(key)", "缺少\(name)", suggestion: "请填写\(name)")
        }
        if let code = policy.divisionCode?.trimmed, !code.isEmpty {
            if configuration.divisions[code] == nil {
                sink.add(.policyDivisionUnknown, path: "policy.divisionCode", "行政区划代码“\(code)”不在长春市及所辖县(市)区、开发区代码表中", suggestion: "填写GB/T 2260六位行政区划代码,如德惠市为220183")
            } else {
                let isCity = configuration.divisions.isCityLevel(code)
                if isCity != (policy.level == .city) {
                    let name = configuration.divisions[code]?.name ?? code
                    let expected = isCity ? "市级政策(level 为 city)" : "县级政策(level 为 county)"
                    sink.add(.policyLevelMismatch, path: "policy.level", "制定单位所属区划“\(name)”与政策层级不符,应为\(expected)", suggestion: "按《审查办法》第八条区分市级与县(市)区级政策")
                }
            }
        }
        if let number = policy.documentNumber?.trimmed, !number.isEmpty, !Self.isWellFormedDocumentNumber(number) {
            sink.add(.documentNumberFormat, path: "policy.documentNumber", "文号“\(number)”格式不规范", suggestion: "文号格式为“机关代字〔年份〕序号号”,年份用六角括号〔〕,如“德府办发〔2022〕31号”")
        }
        if policy.kind != .launch {
            let text = policy.effectiveDate?.trimmed ?? ""
            if CivilDate(iso: text) == nil {
                let what = text.isEmpty ? "缺少" : "“\(text)”不是有效日期:"
                sink.add(.effectiveDateInvalid, path: "policy.effectiveDate", "\(what)政策\(policy.kind == .adjustment ? "调整" : "废止")生效日期", suggestion: "按“年-月-日”填写生效日期(《审查办法》第十三条)")
            }
        }
    }

    /// 机关代字〔YYYY〕N号.
    static func isWellFormedDocumentNumber(_ number: String) -> Bool {
        guard let open = number.firstIndex(of: "〔"), let close = number.firstIndex(of: "〕"), open < close,
              number.hasSuffix("号"), open > number.startIndex
        else { return false }
        let year = number[number.index(after: open)..<close]
        let serial = number[number.index(after: close)..<number.index(before: number.endIndex)]
        return year.count == 4 && year.allSatisfy(\.isASCIIDigit) && !serial.isEmpty && serial.allSatisfy(\.isASCIIDigit)
    }
}

/// Collects findings.
struct FindingSink {
    var findings: [Finding] = []

    mutating func add(
        _ code: FindingCode, itemIndex: Int? = nil, element: Element? = nil, path: String, _ message: String,
        suggestion: String? = nil
    ) {
        findings.append(Finding(code: code, itemIndex: itemIndex, element: element, path: path, message: message, suggestion: suggestion))
    }
}

/// Collects findings for one service item, filling in the item index and element paths.
struct ItemSink {
    let index: Int
    var sink: FindingSink

    func path(_ element: Element, _ sub: String = "") -> String {
        "serviceItems[\(index)].\(element.rawValue)\(sub)"
    }

    mutating func add(_ code: FindingCode, _ element: Element, sub: String = "", _ message: String, suggestion: String? = nil) {
        sink.add(code, itemIndex: index, element: element, path: path(element, sub), "【\(element.chineseName)】\(message)", suggestion: suggestion)
    }
}

extension String {
    /// Without leading and trailing white space. Most values have none: then no copy is made.
    var trimmed: String {
        if let plain = utf8.withContiguousStorageIfAvailable(Self.endsWithoutWhitespace), plain { return self }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        guard Self.isWhitespace(first) || Self.isWhitespace(last) else { return self }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, Self.isWhitespace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, Self.isWhitespace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// Whether the UTF-8 text is non-empty and surely neither begins nor ends with white space:
    /// it begins and ends with printable ASCII or a CJK ideograph (lead bytes E4–E9).
    private static func endsWithoutWhitespace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        guard count > 0 else { return false }
        let first = bytes[0]
        guard (0x21...0x7E).contains(first) || (0xE4...0xE9).contains(first) else { return false }
        let last = bytes[count - 1]
        if (0x21...0x7E).contains(last) { return true }
        return count >= 3 && (0xE4...0xE9).contains(bytes[count - 3]) && last >= 0x80
    }

    /// Unicode white space, answered without the property tables for ASCII and CJK ideographs.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (0x09...0x0D).contains(v) }
        if (0x4E00...0x9FFF).contains(v) { return false }
        return scalar.properties.isWhitespace
    }

    /// Byte equality of the UTF-8 forms: what the controlled vocabularies need, without
    /// String's Unicode-normalising comparison.
    func sameBytes(as other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}
