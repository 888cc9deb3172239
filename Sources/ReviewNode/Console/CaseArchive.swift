import Foundation
import Mustache
import ReviewProtocol
import ReviewRules
import ReviewStore
import Synchronization
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

    /// Cases read per snapshot while a year archive is written.
    static let yearChunk = 20

    /// Whether a year archive is being written in this process: one at a time, because each
    /// keeps a core busy for minutes on a large year (the others are answered 503).
    private static let writingYear = Mutex(false)

    /// Takes the one year-archive slot; false when another archive is being written.
    static func beginYear() -> Bool {
        writingYear.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
    }

    private static func workFolderURL(_ configuration: NodeConfiguration) -> URL {
        configuration.dataDirectory.appendingPathComponent("tmp", isDirectory: true)
    }

    /// Removes the archives a killed node was writing (called at start, before anything serves).
    static func removeLeftovers(_ configuration: NodeConfiguration) {
        let folder = workFolderURL(configuration)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix("archive-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Gives the slot ``beginYear()`` took back.
    static func endYear() {
        writingYear.withLock { $0 = false }
    }

    /// The folder for archives being written: `tmp/` in the node's data directory, readable by
    /// the node's user only (an archive holds every case's materials); emptied at start.
    static func workFolder(_ configuration: NodeConfiguration) throws -> URL {
        let folder = workFolderURL(configuration)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        return folder
    }

    /// Writes the archive of every case submitted in `year` to a new file at `url`, in memory
    /// bounded by one case: the ledger rows are read ``yearChunk`` at a time (keyset pages, each
    /// in its own snapshot), each case's files then in a snapshot of their own, and
    /// ZIPFoundation deflates each entry straight into the file; the
    /// year's ledger CSV (`ledger-YYYY.csv`), collected in a temporary file alongside, is the
    /// last entry. A case changed while the archive is written shows as it was when its page was read.
    /// - Throws: ZIPFoundation's errors and the store's.
    func writeYear(_ year: Int, to url: URL) async throws {
        let archive = try Archive(url: url, accessMode: .create)
        // Owner-only like their folder: they hold every case's materials.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        let csvURL = url.appendingPathExtension("csv")
        guard FileManager.default.createFile(atPath: csvURL.path, contents: LedgerEntry.csvHeader, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(.corrupt, "cannot create \(csvURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: csvURL) }
        let csv = try FileHandle(forWritingTo: csvURL)
        defer { try? csv.close() }
        try csv.seekToEnd()
        let filter = CaseFilter(year: year)
        var after: LedgerEntry.Cursor?
        while true {
            let position = after.map { (submittedOn: $0.submittedOn, id: $0.id) }
            let page = try await services.store.read { db -> ([LedgerEntry], [CaseRecord]) in
                let rows = try NodeStore.ledgerRows(db, filter, limit: Self.yearChunk, after: position)
                return (LedgerEntry.entries(rows), rows.cases)
            }
            try csv.write(contentsOf: LedgerEntry.csvRows(page.0))
            // One case's files in memory at a time (its materials can be tens of MB).
            for record in page.1 {
                let files = try await services.store.read { db in try entries(db, record) }
                for (path, data) in files { try Self.add(path, data, to: archive) }
            }
            guard page.0.count == Self.yearChunk, let last = page.0.last else { break }
            after = last.cursor
        }
        try csv.close()
        try archive.addEntry(with: "ledger-\(year).csv", fileURL: csvURL, compressionMethod: .deflate)
    }

    private static func add(_ path: String, _ data: Data, to archive: Archive) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
        }
    }

    /// A ZIP of the given entries (deflated), in memory.
    static func zip(_ entries: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, data) in entries { try add(path, data, to: archive) }
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
