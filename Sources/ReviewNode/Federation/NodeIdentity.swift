public import Crypto
public import Foundation
import ReviewProtocol
import ReviewStore

/// The node's Ed25519 key pair, kept in `node.key` (base64 of the 32-byte private key, file
/// mode 0600) in the data directory and created on first use.
public struct NodeIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// SHA-256 of the public key, first 16 hex digits: what operators compare by eye.
    public var fingerprint: String { Self.fingerprint(ofPublicKey: publicKeyBase64) }

    public static func fingerprint(ofPublicKey base64: String) -> String {
        let bytes = Data(base64Encoded: base64) ?? Data()
        return String(SHA256.hash(data: bytes).hexString.prefix(16))
    }

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Reads `node.key` from `directory`, creating it (0600) if absent.
    /// - Throws: `NodeConfigurationError` when the file is unreadable, malformed or readable by others.
    public static func loadOrCreate(in directory: URL) throws -> NodeIdentity {
        try loadOrCreate(file: directory.appendingPathComponent("node.key"))
    }

    static func loadOrCreate(file url: URL) throws -> NodeIdentity {
        let manager = FileManager.default
        if !manager.fileExists(atPath: url.path) {
            let key = Curve25519.Signing.PrivateKey()
            let text = Data((key.rawRepresentation.base64EncodedString() + "\n").utf8)
            // Created with 0600 from the start, and exclusively: two processes starting at once
            // cannot both write a key.
            let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                _ = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                fsync(descriptor)
                close(descriptor)
            } else if errno != EEXIST {
                throw NodeConfigurationError("cannot create \(url.path): \(String(decoding: Data(bytes: strerror(errno), count: Int(strlen(strerror(errno)))), as: UTF8.self))")
            }
        }
        let attributes = try? manager.attributesOfItem(atPath: url.path)
        if let permissions = attributes?[.posixPermissions] as? Int, permissions & 0o077 != 0 {
            throw NodeConfigurationError("\(url.path) is readable by others (mode \(String(permissions, radix: 8))); chmod 600 it")
        }
        guard let data = manager.contents(atPath: url.path),
              let raw = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw NodeConfigurationError("\(url.path) does not hold an Ed25519 private key") }
        return NodeIdentity(privateKey: key)
    }

    /// Signs bytes.
    public func sign(_ data: Data) throws -> Data {
        try privateKey.signature(for: data)
    }

    /// Whether `signature` over `data` was made by the key `publicKey` (base64).
    public static func verify(_ signature: Data, of data: Data, publicKey: String) -> Bool {
        guard let raw = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: data)
    }
}
