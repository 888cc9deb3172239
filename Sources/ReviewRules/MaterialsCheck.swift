public import ReviewProtocol

/// Materials completeness (Art 5 for launch, Art 13 for adjustment and withdrawal): every
/// missing material is named at once (一次性告知).
public enum MaterialsCheck {
    /// The required materials of `kind` that `materials` lacks, in the regulation's order.
    public static func missing(kind: CaseKind, materials: [MaterialRef]) -> [MaterialKind] {
        let present = Set(materials.map(\.kind))
        return MaterialKind.required(for: kind).filter { !present.contains($0) }
    }

    /// Findings for missing materials and malformed digests.
    public static func findings(kind: CaseKind, materials: [MaterialRef]) -> [Finding] {
        var findings = missing(kind: kind, materials: materials).map { material in
            let article = kind == .launch ? "第五条" : "第十三条"
            return Finding(
                code: .materialMissing, path: "materials",
                message: "缺少报送材料“\(material.chineseName)”(《审查办法》\(article))",
                suggestion: "请补充提交“\(material.chineseName)”")
        }
        for (index, material) in materials.enumerated() {
            let digest = material.sha256 ?? ""
            let isHex = digest.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            if digest.utf8.count != 64 || !isHex {
                findings.append(Finding(
                    code: .materialDigestInvalid, path: "materials[\(index)].sha256",
                    message: "材料“\(material.title ?? material.kind.chineseName)”的SHA-256摘要缺失或格式不正确",
                    suggestion: "请重新上传该材料,由系统计算64位小写十六进制SHA-256摘要"))
            }
        }
        return findings
    }
}
