public import Foundation
import Crypto
public import ReviewStore
import ZIPFoundation

/// The manifest stored beside the database and the key in a backup archive.
public struct BackupManifest: Codable, Sendable {
    /// Archive format version (1).
    public var format: Int = 1
    /// When the copy was taken, ISO 8601 UTC.
    public var createdAt: Date
    /// The database's facts at the moment of the copy: node id, schema, chain head, high-water marks.
    public var facts: BackupFacts
    /// SHA-256 (hex) and size in bytes of `node.sqlite` in the archive.
    public var databaseSHA256: String
    public var databaseBytes: Int
    /// Fingerprint of the node key in the archive (nil: the data directory had none).
    public var keyFingerprint: String?
}

/// Backups of a node's data directory, taken while the node runs: SQLite's online backup
/// (through GRDB) of `node.sqlite` into a consistent copy, `node.key`, and a manifest, in one
/// ZIP file created with mode 0600 (it holds the node's private key).
public enum NodeBackup {
    /// What `verify` found.
    public struct Report: Sendable {
        public var manifest: BackupManifest
        /// Whole, or the first problem found.
        public var problems: [String]
    }

    /// Entry names in the archive.
    static let databaseEntry = "node.sqlite"
    static let keyEntry = "node.key"
    static let manifestEntry = "manifest.json"

    /// Copies the node in `dataDirectory` (running or not) into a new archive at `file`.
    /// - Throws: `NodeBackupError` when there is no database, or `file` exists.
    @discardableResult
    public static func create(dataDirectory: URL, to file: URL, now: Date = Date()) throws -> BackupManifest {
        let manager = FileManager.default
        let database = dataDirectory.appendingPathComponent("node.sqlite")
        guard manager.fileExists(atPath: database.path) else { throw NodeBackupError("no node database at \(database.path)") }
        guard !manager.fileExists(atPath: file.path) else { throw NodeBackupError("\(file.path) exists; choose a new file name") }
        let work = try temporaryDirectory()
        defer { try? manager.removeItem(at: work) }
        let copy = work.appendingPathComponent(databaseEntry)
        // The source connection reads in one transaction; the running node keeps writing (WAL).
        // One self-contained file: the copy's WAL (if any) folded in, in rollback mode.
        let facts = try NodeStore.backupCopy(from: database.path, to: copy.path)
        let bytes = try Data(contentsOf: copy, options: .mappedIfSafe)
        let key = manager.contents(atPath: dataDirectory.appendingPathComponent("node.key").path)
        let manifest = BackupManifest(createdAt: now, facts: facts, databaseSHA256: SHA256.hash(data: bytes).hexString, databaseBytes: bytes.count,
                                      keyFingerprint: key.flatMap(keyFingerprint))
        // Built inside the private (0700) work directory, made 0600, then moved into place:
        // the archive holds the private key and is never readable by others.
        let staged = work.appendingPathComponent("backup.zip")
        do {
            // Scoped: the archive's file is closed (flushed) before it moves.
            let archive = try Archive(url: staged, accessMode: .create)
            try chmod600(staged)
            try archive.addEntry(with: databaseEntry, fileURL: copy, compressionMethod: .deflate)
            if let key {
                try add(key, as: keyEntry, to: archive, permissions: 0o600)
            }
            try add(try encoder.encode(manifest), as: manifestEntry, to: archive, permissions: 0o644)
        }
        // A folder made for it is the owner's alone, like the backup (an existing one keeps its mode).
        try manager.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: NodeStore.privateDirectoryMode])
        // Across file systems a move is a copy: copy beside the target, then rename, so that
        // the final name never shows a partial archive.
        let partial = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).partial")
        try? manager.removeItem(at: partial)
        try manager.moveItem(at: staged, to: partial)
        try chmod600(partial)
        guard rename(partial.path, file.path) == 0 else {
            try? manager.removeItem(at: partial)
            throw NodeBackupError("cannot move the backup into \(file.path)")
        }
        return manifest
    }

    /// Checks an archive: the manifest reads, the database's digest matches it, SQLite's
    /// integrity check passes, the event chain verifies and ends at the manifest's head.
    /// - Throws: `NodeBackupError` when the file is not a backup archive at all.
    public static func verify(_ file: URL) throws -> Report {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let (manifest, _) = try extract(file, into: work)
        return Report(manifest: manifest, problems: try check(extracted: work, manifest: manifest))
    }

    /// What `restore` did.
    public struct Restored: Sendable {
        public var manifest: BackupManifest
        /// Where the files it replaced were moved (nil: the directory held no database).
        public var setAside: URL?
        /// Whether the archive's key was installed (false: the directory's own key was kept).
        public var keyInstalled: Bool
    }

    /// Restores an archive into the data directory of a stopped node. The current database
    /// (and its WAL) is moved to `before-restore-<time>/`; the directory's `node.key` is kept
    /// when present (it is the key the peers know, maybe newer than the backup), else the
    /// archive's is installed with mode 0600. The restored database is marked for resync:
    /// on its next start the node asks each peer to resend what it lost.
    /// - Throws: `NodeBackupError` when the archive does not verify, belongs to another node
    ///   (`expectedNodeId`, or the node id of the database it replaces), or `dataDirectory` is in use.
    public static func restore(_ file: URL, into dataDirectory: URL, expectedNodeId: String?, now: Date = Date()) throws -> Restored {
        let manager = FileManager.default
        let work = try temporaryDirectory()
        defer { try? manager.removeItem(at: work) }
        let (manifest, _) = try extract(file, into: work)
        let problems = try check(extracted: work, manifest: manifest)
        guard problems.isEmpty else { throw NodeBackupError("\(file.path) does not verify: \(problems.joined(separator: "; "))") }
        let node = manifest.facts.nodeId
        if let expectedNodeId, expectedNodeId != node {
            throw NodeBackupError("\(file.lastPathComponent) is a backup of node \(node), not \(expectedNodeId)")
        }
        let database = dataDirectory.appendingPathComponent("node.sqlite")
        if manager.fileExists(atPath: database.path) {
            if let current = NodeStore.recordedNodeId(ofDatabaseAt: database.path), current != node {
                throw NodeBackupError("\(dataDirectory.path) holds node \(current); \(file.lastPathComponent) is a backup of node \(node)")
            }
        }
        try NodeStore.createPrivateDirectory(at: dataDirectory)
        var setAside: URL?
        let existing = ["node.sqlite", "node.sqlite-wal", "node.sqlite-shm", "node.port"].filter { manager.fileExists(atPath: dataDirectory.appendingPathComponent($0).path) }
        if !existing.isEmpty {
            let aside = dataDirectory.appendingPathComponent("before-restore-\(stamp(now))")
            try manager.createDirectory(at: aside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            for name in existing {
                try manager.moveItem(at: dataDirectory.appendingPathComponent(name), to: aside.appendingPathComponent(name))
            }
            setAside = aside
        }
        // Mark the copy before it takes the database's place, so that a node can never start
        // on a restored database that does not know it must resync.
        let staged = work.appendingPathComponent(databaseEntry)
        // A backup taken after (or during) an earlier resync carries its state: start afresh.
        try NodeStore.markRestored(databaseAt: staged.path, marker: String(decoding: try encoder.encode(manifest), as: UTF8.self),
                                   backupTakenAt: manifest.createdAt.formatted(.iso8601), chainHead: manifest.facts.chainHead, now: now)
        // Owner-only whatever mode the archive's entry carried (older backups: 0644).
        try chmod600(staged)
        try manager.moveItem(at: staged, to: database)
        var keyInstalled = false
        let keyFile = dataDirectory.appendingPathComponent("node.key")
        if !manager.fileExists(atPath: keyFile.path), let key = manager.contents(atPath: work.appendingPathComponent(keyEntry).path) {
            guard manager.createFile(atPath: keyFile.path, contents: key, attributes: [.posixPermissions: 0o600]) else {
                throw NodeBackupError("cannot write \(keyFile.path)")
            }
            keyInstalled = true
        }
        return Restored(manifest: manifest, setAside: setAside, keyInstalled: keyInstalled)
    }

    /// Backup files in `directory` taken by the node itself, newest first.
    public static func scheduledBackups(in directory: URL, nodeId: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("node-\(nodeId)-") && $0.hasSuffix(".zip") }.sorted(by: >).map { directory.appendingPathComponent($0) }
    }

    /// `node-<id>-<UTC time>.zip`: sorts by time.
    public static func scheduledName(nodeId: String, at date: Date) -> String {
        "node-\(nodeId)-\(stamp(date)).zip"
    }

    // MARK: Helpers

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func keyFingerprint(_ data: Data) -> String? {
        guard let raw = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { return nil }
        return NodeIdentity(privateKey: key).fingerprint
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("review-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url
    }

    static func chmod600(_ file: URL) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    static func add(_ data: Data, as path: String, to archive: Archive, permissions: UInt16) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), permissions: permissions, compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
        }
    }

    /// Unpacks the archive's three entries into `directory`; returns the manifest.
    static func extract(_ file: URL, into directory: URL) throws -> (BackupManifest, Bool) {
        let archive: Archive
        do {
            archive = try Archive(url: file, accessMode: .read)
        } catch {
            throw NodeBackupError("\(file.path) is not a backup archive (\(error))")
        }
        guard let manifestEntry = archive[manifestEntry], let databaseEntry = archive[databaseEntry] else {
            throw NodeBackupError("\(file.path) is not a backup archive: manifest.json or node.sqlite missing")
        }
        var manifestData = Data()
        _ = try archive.extract(manifestEntry) { manifestData.append($0) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: BackupManifest
        do {
            manifest = try decoder.decode(BackupManifest.self, from: manifestData)
        } catch {
            throw NodeBackupError("\(file.path): the manifest does not read (\(error))")
        }
        _ = try archive.extract(databaseEntry, to: directory.appendingPathComponent(Self.databaseEntry))
        var hasKey = false
        if let keyEntry = archive[keyEntry] {
            let target = directory.appendingPathComponent(Self.keyEntry)
            _ = try archive.extract(keyEntry, to: target)
            try chmod600(target)
            hasKey = true
        }
        return (manifest, hasKey)
    }

    static func check(extracted directory: URL, manifest: BackupManifest) throws -> [String] {
        var problems: [String] = []
        let database = directory.appendingPathComponent(databaseEntry)
        let bytes = try Data(contentsOf: database, options: .mappedIfSafe)
        if SHA256.hash(data: bytes).hexString != manifest.databaseSHA256 {
            problems.append("node.sqlite does not match the manifest's SHA-256")
            return problems
        }
        problems += try NodeStore.backupProblems(databaseAt: database.path, chainHead: manifest.facts.chainHead, nodeId: manifest.facts.nodeId)
        if let fingerprint = manifest.keyFingerprint {
            let key = FileManager.default.contents(atPath: directory.appendingPathComponent(keyEntry).path)
            if key.flatMap(keyFingerprint) != fingerprint { problems.append("node.key is missing or not the key of fingerprint \(fingerprint)") }
        }
        return problems
    }
}

/// A backup or restore that cannot be done; `message` is one English line for operators.
public struct NodeBackupError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
