import Crypto
import Foundation
import Logging
import ReviewProtocol
import ReviewStore
import Synchronization

/// The node's current key pair, swapped atomically by a re-key while the node runs.
final class IdentityHolder: Sendable {
    private let identity: Mutex<NodeIdentity>

    init(_ identity: NodeIdentity) {
        self.identity = Mutex(identity)
    }

    var current: NodeIdentity { identity.withLock { $0 } }

    func replace(with new: NodeIdentity) {
        identity.withLock { $0 = new }
    }
}

/// Re-keying without downtime: a new key pair, announced to every peer in a message signed
/// with the old key (delivered in order, so before anything signed with the new one); peers
/// keep accepting the old key for a grace period.
///
/// Crash safety: the new key is written to `node.key.next` first; the announcement and the
/// `rotateKey` event commit together; then the files are renamed. A restart finishes a rename
/// whose event committed, and discards a `node.key.next` whose event did not.
enum KeyRotation {
    struct Result: Codable, Sendable {
        var oldFingerprint: String
        var newFingerprint: String
        var announcedTo: [String]
        var oldKeyValidUntil: String
    }

    static func rotate(services: NodeServices, grace: TimeInterval) async throws -> Result {
        let directory = services.configuration.dataDirectory
        let next = directory.appendingPathComponent("node.key.next")
        let newKey = Curve25519.Signing.PrivateKey()
        let newIdentity = NodeIdentity(privateKey: newKey)
        try writeKey(newKey, to: next)
        let old = services.identity
        let until = ISO8601DateFormatter().string(from: Date().addingTimeInterval(grace))
        let peers = try await services.store.write { db -> [String] in
            let links = try NodeStore.links(db)
            try NodeStore.appendEvent(db, caseId: nil, actor: "operator", action: "rotateKey",
                                      payload: ["old": old.fingerprint, "new": newIdentity.fingerprint, "oldKeyValidUntil": until])
            try NodeStore.recordKey(db, nodeId: services.configuration.nodeId, publicKey: newIdentity.publicKeyBase64)
            for link in links {
                try Outbox.enqueue(db, identity: old, sender: services.configuration.nodeId, peer: link.nodeId, type: .keyRotated, caseId: nil,
                                   payload: KeyRotatedPayload(newPublicKey: newIdentity.publicKeyBase64, oldKeyValidUntil: until))
            }
            return links.map(\.nodeId)
        }
        try finish(in: directory)
        services.identities.replace(with: newIdentity)
        services.outboxSignal.notify()
        return Result(oldFingerprint: old.fingerprint, newFingerprint: newIdentity.fingerprint, announcedTo: peers, oldKeyValidUntil: until)
    }

    /// At start-up: completes or discards an interrupted rotation.
    static func recover(in directory: URL, store: NodeStore, logger: Logger) throws {
        let next = directory.appendingPathComponent("node.key.next")
        guard FileManager.default.fileExists(atPath: next.path) else { return }
        let pending = try NodeIdentity.loadOrCreate(file: next)
        let committed = try store.lastKeyRotationPayload()?.contains(pending.fingerprint) ?? false
        if committed {
            try finish(in: directory)
            logger.warning("completed an interrupted key rotation", metadata: ["fingerprint": "\(pending.fingerprint)"])
        } else {
            try FileManager.default.removeItem(at: next)
            logger.warning("discarded an uncommitted key rotation")
        }
    }

    private static func finish(in directory: URL) throws {
        let key = directory.appendingPathComponent("node.key")
        let previous = directory.appendingPathComponent("node.key.previous")
        let next = directory.appendingPathComponent("node.key.next")
        try? FileManager.default.removeItem(at: previous)
        if FileManager.default.fileExists(atPath: key.path) { try FileManager.default.moveItem(at: key, to: previous) }
        try FileManager.default.moveItem(at: next, to: key)
    }

    private static func writeKey(_ key: Curve25519.Signing.PrivateKey, to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw NodeConfigurationError("cannot create \(url.path)") }
        let text = Data((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        _ = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
    }
}
