import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// One line of the Art 11 ledger (台帐): the policy, its materials, the notices, the opinion
/// and the launch record.
struct LedgerEntry: Codable, Sendable {
    var id: String
    var title: String
    var documentNumber: String?
    var kind: CaseKind
    var level: PolicyLevel
    var draftingUnit: String
    var state: CaseState
    var stateName: String
    var submittedOn: CivilDate
    var acceptedOn: CivilDate?
    var dueOn: CivilDate?
    var lateApplication: Bool
    var materials: [MaterialRef]
    var materialsNotices: Int
    var supplementNotices: Int
    var opinionNumber: String?
    var opinionOutcome: OpinionOutcome?
    var opinionIssuedOn: CivilDate?
    var revisions: Int
    var launchDate: CivilDate?
    var launchConfirmedOn: CivilDate?
    /// Art 13: the case the policy was launched under (for adjustments and withdrawals).
    var originalCaseId: String?
    /// Issue 18: the 上线意见征询 the case carried, in a line: its id and each department's answer.
    var consultation: String? = nil
    /// Art 6: how many 座谈会/论证会 were recorded on the case.
    var expertSessions: Int = 0
    /// Art 14 (city node): the change this case published to the feed: the service item's id
    /// there, its status after the change (上线, 已调整, 已下线) and the date that version takes
    /// effect. Absent when the case published nothing (always at a county node).
    var publishedItemId: String? = nil
    var publishedStatus: PublishedStatus? = nil
    var publishedEffectiveOn: CivilDate? = nil

    /// The ledger's lines of `rows` (``NodeStore/ledger(_:limit:offset:)``), in their order.
    static func entries(_ rows: LedgerRows) -> [LedgerEntry] {
        let decoder = JSONDecoder()
        return rows.cases.map { record in
            let opinion = rows.opinions[record.id]
            let notices = rows.noticeCounts[record.id]
            var entry = LedgerEntry(
                id: record.id, title: record.title, documentNumber: record.documentNumber, kind: record.kind, level: record.level,
                draftingUnit: record.draftingUnit, state: record.state, stateName: record.state.chineseName,
                submittedOn: record.submittedOn, acceptedOn: record.acceptedOn, dueOn: record.dueOn,
                lateApplication: record.lateApplication, materials: (rows.materials[record.id] ?? []).map(\.reference),
                materialsNotices: notices?.materials ?? 0, supplementNotices: notices?.supplement ?? 0,
                opinionNumber: opinion?.number, opinionOutcome: opinion?.outcome, opinionIssuedOn: opinion?.issuedOn,
                revisions: record.currentRevision, launchDate: record.launchDate, launchConfirmedOn: record.launchConfirmedOn,
                originalCaseId: record.originalCaseId)
            // Issue 18 and Art 6.
            if let data = rows.consultations[record.id], let summary = try? decoder.decode(ConsultationSummary.self, from: data) {
                entry.consultation = summary.id + ":" + summary.departments.map { "\($0.department)\($0.answer?.chineseName ?? "未答复")" }.joined(separator: ";")
            }
            entry.expertSessions = rows.expertSessionCounts[record.id] ?? 0
            if let mark = rows.publications[record.id] {
                (entry.publishedItemId, entry.publishedStatus, entry.publishedEffectiveOn) = (mark.itemId, mark.status, mark.effectiveOn)
            }
            return entry
        }
    }

    /// A position in the ledger's order (`submittedOn`, `id`), as the API's `after` and `next`
    /// carry it: `YYYY-MM-DD:ID`.
    struct Cursor: Sendable, Equatable {
        var submittedOn: String
        var id: String

        init(submittedOn: String, id: String) {
            self.submittedOn = submittedOn
            self.id = id
        }

        /// Nil unless `text` is exactly `YYYY-MM-DD:ID`: a valid date, a colon and a case id
        /// (``CaseIdentifier``), nothing before or after (`…:220183-2026-0001:x` is refused).
        init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, CivilDate(String(parts[0])) != nil, CaseIdentifier.isWellFormed(String(parts[1])) else { return nil }
            submittedOn = String(parts[0])
            id = String(parts[1])
        }

        var text: String { "\(submittedOn):\(id)" }
    }

    /// The cursor just after this entry.
    var cursor: Cursor { Cursor(submittedOn: submittedOn.description, id: id) }

    /// CSV with a UTF-8 byte-order mark so that Excel opens the Chinese correctly; RFC 4180 quoting.
    static func csv(_ entries: [LedgerEntry]) -> Data {
        csvHeader + csvRows(entries)
    }

    /// The byte-order mark and the header line.
    static var csvHeader: Data {
        let header = ["案件编号", "政策文件", "文号", "申请类型", "政策层级", "制定部门", "状态", "申请日期", "受理日期", "审查期限",
                      "逾期申请(第十三条)", "报送材料", "材料补正次数", "要素补正次数", "意见书编号", "审查结论", "意见书日期", "修订版本数",
                      "上线日期", "上线确认日期", "上线意见征询", "座谈会论证会次数(第六条)", "原上线案件",
                      "发布事项编号(第十四条)", "发布状态", "发布版本生效日期"]
        return Data([0xEF, 0xBB, 0xBF]) + Data((header.map(quote).joined(separator: ",") + "\r\n").utf8)
    }

    /// One CRLF-terminated line per entry (streamed after ``csvHeader``).
    static func csvRows(_ entries: [LedgerEntry]) -> Data {
        var lines: [String] = []
        for entry in entries {
            let materials = entry.materials.map { "\($0.title ?? $0.kind.chineseName)(SHA-256 \($0.sha256 ?? ""))" }.joined(separator: ";")
            let fields: [String] = [
                entry.id, entry.title, entry.documentNumber ?? "", entry.kind.chineseName,
                entry.level == .city ? "市级" : "县(市)区级", entry.draftingUnit, entry.stateName,
                entry.submittedOn.description, entry.acceptedOn?.description ?? "", entry.dueOn?.description ?? "",
                entry.lateApplication ? "是" : "否", materials, String(entry.materialsNotices), String(entry.supplementNotices),
                entry.opinionNumber ?? "", entry.opinionOutcome?.chineseName ?? "", entry.opinionIssuedOn?.description ?? "",
                String(entry.revisions), entry.launchDate?.description ?? "", entry.launchConfirmedOn?.description ?? "",
                entry.consultation ?? "", String(entry.expertSessions), entry.originalCaseId ?? "",
                entry.publishedItemId ?? "", entry.publishedStatus?.chineseName ?? "", entry.publishedEffectiveOn?.description ?? "",
            ]
            lines.append(fields.map(quote).joined(separator: ",") + "\r\n")
        }
        return Data(lines.joined().utf8)
    }

    private static func quote(_ field: String) -> String {
        // A cell that a spreadsheet would read as a formula (=, +, -, @) is kept as text.
        let field = field.first.map { "=+-@\t\r".contains($0) } == true ? "'" + field : field
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
