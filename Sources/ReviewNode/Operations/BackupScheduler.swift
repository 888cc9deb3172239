import Dispatch
import Foundation
import Logging
import ReviewStore
import ServiceLifecycle

/// Backs the node up by itself every `backupInterval` into `backupDirectory` (0700), keeping
/// the newest `backupKeep` archives. The time of the last good backup (scheduled or by
/// `reviewctl backup`) is `nodeMeta.lastBackupAt`, which the metrics report as backup age.
struct BackupScheduler: Service {
    let configuration: NodeConfiguration
    let store: NodeStore
    let metrics: NodeMetrics
    let logger: Logger

    func run() async throws {
        guard configuration.backupInterval > 0 else {
            // A service that returns would stop the node.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let last = await lastBackup()
                let due = last.map { $0.addingTimeInterval(configuration.backupInterval) } ?? Date()
                let wait = due.timeIntervalSinceNow
                if wait > 0 {
                    // At most a minute at a time, so that a backup taken by reviewctl meanwhile counts.
                    try? await Task.sleep(for: .milliseconds(Int(min(wait, 60) * 1000) + 1))
                    continue
                }
                if await backUp() == nil {
                    // A failed backup is retried after a tenth of the interval (at least a minute).
                    try? await Task.sleep(for: .milliseconds(Int(max(60, configuration.backupInterval / 10) * 1000)))
                }
            }
        }
    }

    func lastBackup() async -> Date? {
        guard let text = try? await store.read({ db in try NodeStore.meta(db, "lastBackupAt") }) else { return nil }
        return try? Date(text, strategy: .iso8601)
    }

    /// Takes one backup now and prunes old ones. Returns the archive, or nil when it failed.
    @discardableResult
    func backUp(now: Date = Date()) async -> URL? {
        let directory = configuration.effectiveBackupDirectory
        let file = directory.appendingPathComponent(NodeBackup.scheduledName(nodeId: configuration.nodeId, at: now))
        let started = ContinuousClock.now
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let dataDirectory = configuration.dataDirectory
            // SQLite's backup and the ZIP are blocking work: off the cooperative pool.
            let manifest = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<BackupManifest, any Error>) in
                DispatchQueue.global(qos: .utility).async {
                    continuation.resume(with: Result { try NodeBackup.create(dataDirectory: dataDirectory, to: file, now: now) })
                }
            }
            try await store.write { db in try NodeStore.setMeta(db, "lastBackupAt", now.formatted(.iso8601)) }
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            logger.info("backup taken", metadata: ["file": "\(file.path)", "bytes": "\(size)", "seconds": "\(started.duration(to: .now))",
                                                   "chainHead": "\(manifest.facts.chainHead.prefix(16))"])
            for old in NodeBackup.scheduledBackups(in: directory, nodeId: configuration.nodeId).dropFirst(configuration.backupKeep) {
                try? FileManager.default.removeItem(at: old)
                logger.info("old backup removed", metadata: ["file": "\(old.path)"])
            }
            return file
        } catch {
            metrics.backupFailed()
            logger.error("backup failed", metadata: ["file": "\(file.path)", "error": "\(error)"])
            return nil
        }
    }
}
