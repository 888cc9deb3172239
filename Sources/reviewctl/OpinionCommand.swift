import ArgumentParser
import Crypto
import Foundation
import ReviewNode
import ReviewProtocol

/// `reviewctl opinion verify`: checks an opinion's Ed25519 signature offline, from a case as
/// `GET /api/v1/cases/{id}` answers it or as the console's archive stores it (`case.json`).
struct OpinionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opinion",
        abstract: "Work with 标准化审查意见书.",
        subcommands: [Verify.self]
    )

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an opinion's signature. Exit 0 valid, 1 invalid or signed by another key, 2 bad input.")
        @Argument(help: "A case's JSON: the API's case detail or case.json from an archive.") var file: String
        @Option(help: ArgumentHelp("The city node's public key (base64, from its link card); without it, the key in the file is used and its fingerprint printed for comparison.", valueName: "base64"))
        var publicKey: String?

        func run() throws {
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
            let (opinion, signature) = (try bytes("opinion"), try bytes("signature"))
            let signer = signed["signerPublicKey"] as? String ?? ""
            let key = publicKey ?? signer
            guard let raw = Data(base64Encoded: key), let verifier = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw CLIFailure("--public-key: not a base64 Ed25519 public key")
            }
            let number = (try? JSONDecoder().decode(ReviewOpinion.self, from: opinion)).map { $0.number.description } ?? "?"
            let fingerprint = NodeIdentity.fingerprint(ofPublicKey: key)
            guard verifier.isValidSignature(signature, for: opinion) else {
                print("INVALID: the signature of opinion \(number) does not verify with key \(fingerprint)")
                throw ExitCode(1)
            }
            print("valid: opinion \(number) signed by key \(fingerprint)")
        }
    }
}
