import ReviewProtocol

// Presence, types, ranges and vocabularies of each Art 7 element.
extension StandardizationLinter {
    func checkElements(_ item: ServiceItem, policy: Policy, into sink: inout ItemSink) {
        for element in Element.allCases where !Self.isPresent(element, in: item) {
            sink.add(.elementMissing, element, "要素缺失或为空", suggestion: "请按《审查办法》第七条填写“\(element.chineseName)”")
        }
        let vocab = configuration.vocabularies

        checkVocabulary(item.benefitType.map { [$0] }, vocab.benefitTypes, .benefitType, into: &sink)
        checkDateSpan(item.validity, .validity, into: &sink)
        for (offset, code) in (item.region ?? []).enumerated() where !code.trimmed.isEmpty && configuration.divisions[code.trimmed] == nil {
            sink.add(.divisionUnknown, .region, sub: "[\(offset)]", "行政区划代码“\(code)”无法识别", suggestion: "填写GB/T 2260六位代码,如长春市220100、德惠市220183")
        }
        checkVocabulary(item.applicantTypes, vocab.applicantTypes, .applicantTypes, into: &sink)

        if let count = item.applicationCount {
            let period = count.period?.trimmed ?? ""
            if period.isEmpty {
                sink.add(.elementIncomplete, .applicationCount, sub: ".period", "未写明申报周期", suggestion: "从“\(vocab.applicationPeriods.joined(separator: "、"))”中选择")
            } else {
                checkVocabulary([period], vocab.applicationPeriods, .applicationCount, sub: ".period", into: &sink)
                if period == Vocabularies.unlimitedPeriod, count.times != nil {
                    sink.add(.applicationCountInconsistent, .applicationCount, sub: ".times", "申报周期为“不限次数”时不应再填写次数", suggestion: "删除次数,或改为具体周期及次数")
                } else if period != Vocabularies.unlimitedPeriod, count.times == nil {
                    sink.add(.elementIncomplete, .applicationCount, sub: ".times", "未写明每个周期可申报的次数", suggestion: "写明次数,如“每年1次”")
                }
            }
            if let times = count.times, times <= 0 {
                sink.add(.countNotPositive, .applicationCount, sub: ".times", "申报次数应为正整数,现为\(times)")
            }
        }
        checkDateSpan(item.applicationWindow, .applicationWindow, into: &sink)
        checkVocabulary(item.applicationMethods, vocab.applicationMethods, .applicationMethods, into: &sink)
        for (offset, material) in (item.applicationMaterials ?? []).enumerated() {
            if (material.name?.trimmed ?? "").isEmpty {
                sink.add(.elementIncomplete, .applicationMaterials, sub: "[\(offset)].name", "第\(offset + 1)项申报材料未写名称")
            }
            if let copies = material.copies, copies <= 0 {
                sink.add(.countNotPositive, .applicationMaterials, sub: "[\(offset)].copies", "份数应为正整数,现为\(copies)")
            }
        }
        checkWorkdays(item.internalApprovalDays, .internalApprovalDays, into: &sink)
        checkWorkdays(item.redemptionDays, .redemptionDays, into: &sink)
        checkVocabulary(item.redemptionLevel.map { [$0] }, vocab.redemptionLevels, .redemptionLevel, into: &sink)
        checkVocabulary(item.redemptionMethods, vocab.redemptionMethods, .redemptionMethods, into: &sink)
        if let cap = item.redemptionCap { checkCap(cap, into: &sink) }
        if let competition = item.competitive, competition.isCompetitive == nil {
            sink.add(.elementIncomplete, .competitive, sub: ".isCompetitive", "未写明是否为竞争性兑现", suggestion: "填写 true(竞争性兑现)或 false(普惠性兑现)")
        }
        if let publicity = item.publicity {
            if (publicity.channel?.trimmed ?? "").isEmpty {
                sink.add(.elementIncomplete, .publicity, sub: ".channel", "未写明公示渠道", suggestion: "写明公示的网站或场所,如“德惠市人民政府网站”")
            }
            if let days = publicity.days {
                if days <= 0 { sink.add(.workdaysNotPositive, .publicity, sub: ".days", "公示期应为正整数个工作日,现为\(days)") }
            } else {
                sink.add(.elementIncomplete, .publicity, sub: ".days", "未写明公示期", suggestion: "写明公示期的工作日数,如5个工作日")
            }
        }
        for (offset, contact) in (item.consultation ?? []).enumerated() {
            if (contact.unit?.trimmed ?? "").isEmpty {
                sink.add(.elementIncomplete, .consultation, sub: "[\(offset)].unit", "第\(offset + 1)个咨询方式未写明咨询单位")
            }
            let phone = contact.phone?.trimmed ?? ""
            if phone.isEmpty {
                sink.add(.elementIncomplete, .consultation, sub: "[\(offset)].phone", "第\(offset + 1)个咨询方式未写明咨询电话")
            } else {
                checkPhone(phone, offset: offset, into: &sink)
            }
        }
    }

    /// Whether the element is there and not empty. Structured elements count as present once
    /// given; their parts are checked separately.
    static func isPresent(_ element: Element, in item: ServiceItem) -> Bool {
        func text(_ value: String?) -> Bool { !(value?.trimmed ?? "").isEmpty }
        func list(_ value: [String]?) -> Bool { (value ?? []).contains { !$0.trimmed.isEmpty } }
        switch element {
        case .policyBasis: return text(item.policyBasis)
        case .itemName: return text(item.itemName)
        case .benefitType: return text(item.benefitType)
        case .validity: return item.validity != nil
        case .region: return list(item.region)
        case .draftingUnit: return text(item.draftingUnit)
        case .implementingUnit: return text(item.implementingUnit)
        case .publishingUnit: return text(item.publishingUnit)
        case .applicantTypes: return list(item.applicantTypes)
        case .conditions: return list(item.conditions)
        case .applicationCount: return item.applicationCount != nil
        case .applicationWindow: return item.applicationWindow != nil
        case .applicationPlace: return text(item.applicationPlace)
        case .applicationMethods: return list(item.applicationMethods)
        // 免申即享 items legitimately ask for no materials; an empty list is an answer.
        case .applicationMaterials: return item.applicationMaterials != nil
        case .applicationSteps: return list(item.applicationSteps)
        case .internalApprovalSteps: return list(item.internalApprovalSteps)
        case .internalApprovalDays: return item.internalApprovalDays != nil
        case .redemptionDays: return item.redemptionDays != nil
        case .redemptionLevel: return text(item.redemptionLevel)
        case .redemptionMethods: return list(item.redemptionMethods)
        case .redemptionContent: return text(item.redemptionContent)
        case .redemptionCap: return item.redemptionCap != nil
        case .competitive: return item.competitive != nil
        case .fundSupervision: return text(item.fundSupervision)
        case .recovery: return text(item.recovery)
        case .penalty: return text(item.penalty)
        case .publicity: return item.publicity != nil
        case .publicityHandling: return text(item.publicityHandling)
        case .consultation: return !(item.consultation ?? []).isEmpty
        }
    }

    private func checkVocabulary(_ values: [String]?, _ allowed: [String], _ element: Element, sub: String = "", into sink: inout ItemSink) {
        let isList = values.map { $0.count > 1 } ?? false
        for (offset, raw) in (values ?? []).enumerated() {
            let value = raw.trimmed
            guard !value.isEmpty, !allowed.contains(where: { $0.sameBytes(as: value) }) else { continue }
            let index = (isList || element == .applicantTypes || element == .applicationMethods || element == .redemptionMethods) ? "[\(offset)]" : ""
            sink.add(.vocabularyUnknown, element, sub: sub + index, "“\(value)”不是规范取值", suggestion: "从“\(allowed.joined(separator: "、"))”中选择")
        }
    }

    private func checkDateSpan(_ span: DateSpan?, _ element: Element, into sink: inout ItemSink) {
        guard let span else { return }
        func date(_ value: String?, key: String, name: String) -> CivilDate? {
            let text = value?.trimmed ?? ""
            if text.isEmpty {
                sink.add(.elementIncomplete, element, sub: ".\(key)", "缺少\(name)", suggestion: "按“年-月-日”填写\(name),如2025-01-01")
            } else if let date = CivilDate(iso: text) {
                return date
            } else {
                sink.add(.dateInvalid, element, sub: ".\(key)", "\(name)“\(text)”不是有效日期", suggestion: "按“年-月-日”填写,如2025-01-01")
            }
            return nil
        }
        let start = date(span.start, key: "start", name: "起始日期")
        let end = date(span.end, key: "end", name: "截止日期")
        if let start, let end, end < start {
            sink.add(.dateRangeReversed, element, "截止日期\(end)早于起始日期\(start)", suggestion: "核对起止日期")
        }
    }

    /// One `phone-invalid` naming every wrong number with its reason; else one `phone-format`
    /// when a valid number is grouped otherwise than canonically, suggesting the whole field.
    private func checkPhone(_ phone: String, offset: Int, into sink: inout ItemSink) {
        if PhoneNumber.isCanonicalFast(phone) { return }
        let sub = "[\(offset)].phone"
        let verdicts = PhoneNumber.check(phone)
        var wrong: [String] = []
        var regrouped = false
        for verdict in verdicts {
            switch verdict {
            case .valid: break
            case .regrouped: regrouped = true
            case .invalid(let written, let reason): wrong.append(verdicts.count > 1 ? "“\(written)”\(reason)" : reason)
            }
        }
        if !wrong.isEmpty {
            sink.add(.phoneInvalid, .consultation, sub: sub, "咨询电话“\(phone)”格式不正确:\(wrong.joined(separator: ";"))", suggestion: "填写11位手机号、带区号的固定电话(如0431-88776655)、400/800号码或12345等服务热线")
        } else if regrouped, let canonical = PhoneNumber.canonical(phone) {
            sink.add(.phoneFormat, .consultation, sub: sub, "咨询电话“\(phone)”号码有效,但书写格式不规范", suggestion: canonical)
        }
    }

    private func checkWorkdays(_ days: Int?, _ element: Element, into sink: inout ItemSink) {
        if let days, days <= 0 {
            sink.add(.workdaysNotPositive, element, "时限应为正整数个工作日,现为\(days)", suggestion: "写明具体的工作日数,如“15个工作日”")
        }
    }

    private func checkCap(_ cap: RedemptionCap, into sink: inout ItemSink) {
        let reason = cap.notApplicable?.trimmed ?? ""
        guard let amount = cap.amount else {
            if reason.isEmpty {
                sink.add(.elementIncomplete, .redemptionCap, "既未写明限额金额,也未说明不设限额的理由", suggestion: "填写限额金额及单位(元/万元),非资金类政策写明“不涉及资金”")
            }
            return
        }
        if let value = amount.value {
            if !(value > 0) || !value.isFinite {
                sink.add(.amountInvalid, .redemptionCap, sub: ".amount.value", "限额金额应大于0")
            }
        } else {
            sink.add(.amountInvalid, .redemptionCap, sub: ".amount.value", "缺少限额金额")
        }
        let unit = amount.unit?.trimmed ?? ""
        if unit != "元" && unit != "万元" {
            let found = unit.isEmpty ? "缺少金额单位" : "金额单位“\(unit)”不规范"
            sink.add(.amountUnitInvalid, .redemptionCap, sub: ".amount.unit", found, suggestion: "金额单位统一使用“元”或“万元”")
        }
    }
}
