import Crypto
import Foundation
import ReviewProtocol
import ReviewStore
import ReviewTesting

/// The realistic case the benchmark moves: 3 service items with all 30 elements, 5 materials.
enum Workload {
    /// The clean example with a third item, as a JSON object.
    static func form(unit: String, division: String, materials: [MaterialRef]) throws -> [String: Any] {
        var form = try JSONSerialization.jsonObject(with: Fixtures.exampleData("launch-clean.json")) as! [String: Any]
        var policy = form["policy"] as! [String: Any]
        policy["draftingUnit"] = unit
        policy["divisionCode"] = division
        form["policy"] = policy
        var items = (form["serviceItems"] as! [[String: Any]]).map { item -> [String: Any] in
            var item = item
            item["region"] = [division]
            item["draftingUnit"] = unit
            return item
        }
        var third = items[0]
        third["itemName"] = "中小微企业首次入规奖励"
        third["benefitType"] = "资金奖励"
        items.append(third)
        form["serviceItems"] = items
        form["materials"] = materials.map { material -> [String: Any] in
            ["kind": material.kind.rawValue, "title": material.title ?? "", "fileName": material.fileName ?? "",
             "sha256": material.sha256 ?? "", "bytes": material.bytes ?? 0]
        }
        return form
    }

    /// Five materials of `size` bytes each, pseudo-random (incompressible) and distinct per `seed`.
    static func materials(size: Int, seed: String) -> [(MaterialRef, Data)] {
        let kinds: [MaterialKind] = [.applicationLetter, .elementTable, .draftWithExplanation, .consultationRecord, .fairCompetitionAndFunding]
        return kinds.enumerated().map { index, kind in
            var data = Data(capacity: size)
            var block = SHA256.hash(data: Data("\(seed)-\(index)".utf8)).map { $0 }
            while data.count < size {
                data.append(contentsOf: block)
                block = SHA256.hash(data: Data(block)).map { $0 }
            }
            data = data.prefix(size)
            let digest = SHA256.hash(data: data).hexString
            return (MaterialRef(kind: kind, title: kind.chineseName, fileName: "\(kind.rawValue).pdf", sha256: digest, bytes: size), data)
        }
    }
}
