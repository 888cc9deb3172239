import ArgumentParser
import Crypto
import Foundation
import ReviewNode
import ReviewProtocol
import ReviewStore

/// `reviewctl opinion verify`: checks a 标准化审查意见书 offline, from a case as
/// `GET /api/v1/cases/{id}` answers it or as the console's archive stores it (`case.json`):
/// what the file shows equals what was signed, the signing key is a key of the issuing node
/// that was valid on the opinion's date (from a keyring, a node's key history or a key the
/// caller trusts), and the signature verifies.
struct OpinionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opinion",
        abstract: "Work with 标准化审查意见书.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an opinion against the issuing node's trusted keys. Exit 0 valid, 1 invalid, 2 bad input.",
            discussion: """
                Trust comes from --keyring (the issuing node's `reviewctl keys export` or GET /api/v1/federation/keys),
                from a node's own key history (--data-dir or --node-config), or from --public-key (a key you checked
                yourself, e.g. on the issuer's link card). The key inside the file is never trusted by itself.
                """)
        @Argument(help: "A case's JSON: the API's case detail or case.json from an archive.") var file: String
        @Option(help: ArgumentHelp("A keyring file (JSON) with the issuing node's keys and their validity periods.", valueName: "file"))
        var keyring: String?
        @Option(help: ArgumentHelp("The node's data directory: verify against the key history this node keeps.", valueName: "dir"))
        var dataDir: String?
        @Option(help: ArgumentHelp("A node configuration file; its data directory's key history is used.", valueName: "file"))
        var nodeConfig: String?
        @Option(help: ArgumentHelp("A public key (base64) you trust as the issuing node's, valid on any date.", valueName: "base64"))
        var publicKey: String?

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw CLIFailure("\(file) is not a JSON object") }
            guard let signed = object["opinionSignature"] as? [String: Any] else {
                throw CLIFailure("\(file) has no opinionSignature (no signed opinion on this case)")
            }
            func bytes(_ key: String) throws -> Data {
                guard let text = signed[key] as? String, let value = Data(base64Encoded: text) else {
                    throw CLIFailure("opinionSignature.\(key) is missing or not base64")
                }
                return value
            }
            let (opinionBytes, signature) = (try bytes("opinion"), try bytes("signature"))
            let signer = signed["signerPublicKey"] as? String ?? ""
            let trusted = try await trustedKeys()

            guard let opinion = try? JSONDecoder().decode(ReviewOpinion.self, from: opinionBytes) else {
                try invalid("the signed bytes are not an opinion")
            }
            // What the file shows must be what was signed.
            if let shown = object["opinion"] {
                guard let shownData = try? JSONSerialization.data(withJSONObject: shown),
                      let displayed = try? JSONDecoder().decode(ReviewOpinion.self, from: shownData)
                else { try invalid("the opinion shown in the file cannot be read") }
                if displayed != opinion {
                    try invalid("the opinion shown in the file differs from the signed one (shown: \(displayed.number), \(displayed.outcome.rawValue); signed: \(opinion.number), \(opinion.outcome.rawValue))")
                }
            }
            let issuer = opinion.issuerNode
            let key: Keyring.Key
            if let publicKey {
                guard let raw = Data(base64Encoded: publicKey), raw.count == 32 else { throw CLIFailure("--public-key: not a base64 Ed25519 public key") }
                key = Keyring.Key(nodeId: issuer, name: nil, publicKey: publicKey, fingerprint: nil, validFrom: "1970-01-01T00:00:00Z", validUntil: nil)
                guard publicKey == signer else {
                    try invalid("opinion \(opinion.number) was signed with key \(NodeIdentity.fingerprint(ofPublicKey: signer)), not the trusted \(NodeIdentity.fingerprint(ofPublicKey: publicKey))")
                }
            } else {
                guard let known = trusted?.key(signer, of: issuer) else {
                    let knownKeys = trusted?.keys.filter { $0.nodeId == issuer }.map { NodeIdentity.fingerprint(ofPublicKey: $0.publicKey) } ?? []
                    try invalid("key \(NodeIdentity.fingerprint(ofPublicKey: signer)) is not a known key of node \(issuer)"
                                   + (knownKeys.isEmpty ? " (the keyring has none of its keys)" : " (known: \(knownKeys.joined(separator: ", ")))"))
                }
                // Only a city issues 标准化审查意见书 (Art 8): a county's key proves nothing here.
                guard known.tier == Tier.city.rawValue else {
                    try invalid("node \(issuer) is \(known.tier.map { "a \($0) node" } ?? "not known as a city node"): only a city's key issues opinions")
                }
                key = known
            }
            let fingerprint = NodeIdentity.fingerprint(ofPublicKey: signer)
            let period = "from \(key.validFrom)" + (key.validUntil.map { " to \($0)" } ?? " (current)")
            guard publicKey != nil || (trusted?.wasValid(key, on: opinion.issuedOn) ?? false) else {
                try invalid("key \(fingerprint) was not \(issuer)'s key on \(opinion.issuedOn) (valid \(period))")
            }
            guard let raw = Data(base64Encoded: signer), let verifier = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                  verifier.isValidSignature(signature, for: opinionBytes)
            else { try invalid("the signature of opinion \(opinion.number) does not verify with key \(fingerprint)") }
            print("valid: opinion \(opinion.number) (\(opinion.outcome.rawValue)) issued by \(key.name ?? issuer) (\(issuer)) on \(opinion.issuedOn)")
            print("signed with key \(fingerprint), \(issuer)'s key \(period)" + (publicKey != nil ? " (trusted by --public-key)" : ""))
            print("signed content: \(opinion.policyTitle) · \(opinion.draftingUnit) · \(opinion.requiredChanges.count) required change(s)")
        }

        /// Prints why and exits 1.
        func invalid(_ reason: String) throws -> Never {
            print("INVALID: \(reason)")
            throw ExitCode(1)
        }

        func trustedKeys() async throws -> Keyring? {
            if let keyring {
                guard let data = FileManager.default.contents(atPath: keyring) else { throw CLIFailure("cannot read \(keyring)") }
                do {
                    return try StrictJSONDecoder.decode(Keyring.self, from: data)
                } catch {
                    throw CLIFailure("\(keyring): not a keyring: \(error)")
                }
            }
            if dataDir != nil || nodeConfig != nil {
                var location = try NodeLocation.parse([])
                location.dataDir = dataDir
                location.nodeConfig = nodeConfig
                let (store, _) = try location.open()
                let details = try store.nodeDetails()
                return try await store.read { db in try Links.keyring(db, ownNodeId: details["nodeId"] ?? "", ownName: details["name"], ownTier: details["tier"].flatMap(Tier.init(rawValue:))) }
            }
            guard publicKey != nil else {
                throw CLIFailure("no trusted key: give --keyring FILE (the issuer's `reviewctl keys export`), --data-dir DIR, or --public-key KEY")
            }
            return nil
        }
    }
}

/// `reviewctl keys export`: the keyring of a node (its own and its peers' keys with their
/// periods), for whoever must verify opinions without access to the node.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Signing keys and their history.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the keyring (JSON): every key this node and its peers signed with, and when.")
        @OptionGroup var location: NodeLocation

        func run() async throws {
            let (store, _) = try location.open()
            let details = try store.nodeDetails()
            let keyring = try await store.read { db in try Links.keyring(db, ownNodeId: details["nodeId"] ?? "", ownName: details["name"], ownTier: details["tier"].flatMap(Tier.init(rawValue:))) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(keyring), as: UTF8.self))
        }
    }
}
