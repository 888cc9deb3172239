public import Foundation
import Glibc

/// File modes of a node's data: the database holds token hashes, materials and cases, so it
/// (and SQLite's `-wal`/`-shm` beside it, which SQLite creates with the database file's mode)
/// is readable by the owner alone, like `node.key`, whatever the process's umask.
extension NodeStore {
    /// Owner read/write only.
    public static let privateFileMode: mode_t = 0o600
    /// Owner only (a data directory the node or reviewctl creates).
    public static let privateDirectoryMode: Int = 0o700

    /// Creates the database file at `path` with mode 0600 when it does not exist yet, so that
    /// SQLite opens (and derives its `-wal`/`-shm` modes from) an owner-only file; an existing
    /// database, `-wal` or `-shm` readable by group or others is narrowed to 0600 (when this
    /// process owns it; otherwise left as it is and SQLite decides whether it can open it).
    public static func prepareDatabaseFile(at path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, privateFileMode)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0, status.st_mode & 0o077 != 0 else { continue }
            _ = chmod(file, privateFileMode)
        }
    }

    /// Creates `directory` (and missing parents) with mode 0700 when it does not exist; an
    /// existing directory keeps its mode (the operator chose it).
    /// - Throws: Foundation's error when it cannot be created.
    public static func createPrivateDirectory(at directory: URL) throws {
        guard !FileManager.default.fileExists(atPath: directory.path) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: privateDirectoryMode])
    }
}
