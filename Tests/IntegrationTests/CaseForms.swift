import Foundation
import ReviewTesting

/// Case forms for the integration tests, made from the shipped examples as JSON objects.
enum CaseForms {
    /// The clean example as a mutable JSON object.
    static func clean() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Fixtures.exampleData("launch-clean.json")) as! [String: Any]
    }

    /// The bytes each example material stands for (the examples' digests are of these).
    static func bytes(ofMaterial material: [String: Any]) -> Data {
        Data(("示例材料:" + (material["title"] as! String)).utf8)
    }

    /// The clean form rewritten as a city-level (Art 8.1) policy of 长春市科学技术局.
    static func cityLevel() throws -> [String: Any] {
        var form = try clean()
        var policy = form["policy"] as! [String: Any]
        policy["title"] = "长春市支持中小微企业创新发展若干措施"
        policy["documentNumber"] = "长府办发〔2024〕9号"
        policy["draftingUnit"] = "长春市科学技术局"
        policy["divisionCode"] = "220100"
        policy["level"] = "city"
        form["policy"] = policy
        form["serviceItems"] = (form["serviceItems"] as! [[String: Any]]).map { item in
            var item = item
            item["region"] = ["220100"]
            item["draftingUnit"] = "长春市科学技术局"
            return item
        }
        return form
    }

    /// Sets `key` of service item `index` to `value`.
    static func setting(_ form: [String: Any], item index: Int, _ key: String, _ value: Any) -> [String: Any] {
        var form = form
        var items = form["serviceItems"] as! [[String: Any]]
        items[index][key] = value
        form["serviceItems"] = items
        return form
    }

    /// Uploads every material the form lists, as `token`.
    static func uploadMaterials(of form: [String: Any], to node: NodeProcess, token: String) async throws {
        for material in form["materials"] as! [[String: Any]] {
            let result = try await node.call("POST", "/api/v1/materials", token: token, body: bytes(ofMaterial: material),
                                             headers: ["X-Content-SHA256": material["sha256"] as! String])
            guard result.status == 201 else { throw NodeProcessError("upload failed: \(result.status) \(result.text)") }
        }
    }
}
