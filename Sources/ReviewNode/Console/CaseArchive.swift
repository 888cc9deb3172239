import Foundation
import Mustache
import ReviewProtocol
import ReviewRules
import ReviewStore
import ZIPFoundation

/// The Art 11 archive: a ZIP per case or per year. Each case is a folder with its record
/// (`case.json`: form, notices, opinion and its signature, the event log with hashes), its
/// materials byte-exact, and the printable opinion.
struct CaseArchive {
    let services: NodeServices

    /// One case's folder entries.
    func entries(_ db: StoreTransaction, _ record: CaseRecord) throws -> [(String, Data)] {
        let detail = try CaseDetail.load(db, record, calendar: services.calendar, today: services.today.date)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var entries: [(String, Data)] = [("\(record.id)/case.json", try encoder.encode(detail))]
        var names: Set<String> = []
        for material in detail.materials {
            guard let digest = material.sha256, let content = try NodeStore.materialBytes(db, sha256: digest) else { continue }
            var name = Self.safeName(material.fileName ?? "\(material.kind.rawValue).bin")
            if !names.insert(name).inserted { name = "\(digest.prefix(8))-\(name)" }
            entries.append(("\(record.id)/materials/\(name)", content))
        }
        if let opinion = detail.opinion {
            let page = OpinionPage(opinion: opinion, caseId: record.id, issuerName: try OpinionPage.issuerName(db, opinion, own: services.configuration),
                                   revisionDueOn: record.revisionDueOn, signerPublicKey: detail.opinionSignature?.signerPublicKey,
                                   itemNames: detail.form.serviceItems.map(\.itemName))
            let html = services.renderer.library.render(page.view, withTemplate: "opinion") ?? ""
            entries.append(("\(record.id)/opinion.html", Data(html.utf8)))
        }
        return entries
    }

    /// A ZIP of the given entries (deflated), in memory.
    static func zip(_ entries: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, data) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
            }
        }
        guard let data = archive.data else { throw StoreError(.corrupt, "the in-memory ZIP archive has no data") }
        return data
    }

    /// File names from drafters, made safe as ZIP entry names (no folders, no control characters).
    static func safeName(_ name: String) -> String {
        let cleaned = name.unicodeScalars.map { scalar -> String in
            scalar == "/" || scalar == "\\" || scalar.properties.generalCategory == .control ? "_" : String(scalar)
        }.joined()
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return trimmed.isEmpty ? "material.bin" : trimmed
    }
}
