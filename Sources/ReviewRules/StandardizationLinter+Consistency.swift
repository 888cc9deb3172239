import ReviewProtocol

// Cross-element consistency of one service item.
extension StandardizationLinter {
    func checkConsistency(_ item: ServiceItem, policy: Policy, into sink: inout ItemSink) {
        if let approval = item.internalApprovalDays, let redemption = item.redemptionDays,
           approval > 0, redemption > 0, approval > redemption {
            sink.add(.approvalExceedsRedemption, .internalApprovalDays, "部门内部审批时限(\(approval)个工作日)超过兑现时限(\(redemption)个工作日)", suggestion: "内部审批时限应包含在兑现时限之内,请压缩审批时限或核对兑现时限")
        }

        if let window = item.applicationWindow, let validity = item.validity,
           let windowStart = window.start.flatMap(CivilDate.init(iso:)), let windowEnd = window.end.flatMap(CivilDate.init(iso:)),
           let validStart = validity.start.flatMap(CivilDate.init(iso:)), let validEnd = validity.end.flatMap(CivilDate.init(iso:)),
           windowStart <= windowEnd, validStart <= validEnd,
           windowStart < validStart || windowEnd > validEnd {
            sink.add(.windowOutsideValidity, .applicationWindow, "申报时限\(windowStart)至\(windowEnd)超出实施期限\(validStart)至\(validEnd)", suggestion: "申报时限应在实施期限之内")
        }

        // A monetary benefit needs an amount: a cap that is absent, empty or says there is none all lack it.
        if let benefit = item.benefitType?.trimmed, configuration.vocabularies.monetaryBenefitTypes.contains(benefit),
           item.redemptionCap?.amount == nil {
            sink.add(.capMissingForMonetary, .redemptionCap, "优惠类型为“\(benefit)”的资金类政策未设兑现限额", suggestion: "写明单个申报主体可获得的最高金额及单位(元/万元)")
        }

        if let competition = item.competitive, competition.isCompetitive == true, (competition.selectionMethod?.trimmed ?? "").isEmpty {
            sink.add(.selectionMethodMissing, .competitive, sub: ".selectionMethod", "竞争性兑现未写明遴选方式", suggestion: "写明评审或遴选方式、评分标准及名额,如“专家评审,按得分从高到低择优支持”")
        }

        let methods = (item.applicationMethods ?? []).map(\.trimmed)
        if methods.contains(Vocabularies.noApplication) {
            if methods.contains(where: { !$0.isEmpty && $0 != Vocabularies.noApplication }) {
                sink.add(.noApplicationConflict, .applicationMethods, "“免申即享”与其他申报方式同时出现", suggestion: "免申即享事项无需申报,删除其他申报方式;需申报的,删除“免申即享”")
            }
            if !(item.applicationMaterials ?? []).isEmpty {
                sink.add(.noApplicationConflict, .applicationMaterials, "“免申即享”事项仍要求提交申报材料", suggestion: "免申即享事项通过数据共享核验,删除申报材料")
            }
        }

        if let policyCode = policy.divisionCode?.trimmed, configuration.divisions[policyCode] != nil {
            for (offset, raw) in (item.region ?? []).enumerated() {
                let code = raw.trimmed
                guard configuration.divisions[code] != nil, !configuration.divisions.contains(code, within: policyCode) else { continue }
                let name = configuration.divisions[code]?.name ?? code
                let own = configuration.divisions[policyCode]?.name ?? policyCode
                sink.add(.regionOutsideJurisdiction, .region, sub: "[\(offset)]", "实施区域“\(name)”超出制定单位所属区划“\(own)”的管辖范围", suggestion: "实施区域应为\(own)或其所辖区域")
            }
        }
    }
}
