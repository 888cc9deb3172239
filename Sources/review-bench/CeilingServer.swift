import ArgumentParser
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import ReviewProtocol
import ReviewStore

/// The ceiling's server: a minimal handler that commits each request body to SQLite with the
/// nodes' journal and synchronous settings (WAL, FULL), and nothing else (`/ingest`); and the
/// receiving end of the naive durable delivery (`/naive`): the same, after verifying the
/// Ed25519 signature in `X-Review-Signature` over the frame's JSON with `--public-key`.
struct CeilingServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ceiling-server", abstract: "(internal) the ceiling's minimal handler.")

    @Option var database: String
    @Option var portFile: String
    @Option(help: "Base64 Ed25519 public key for /naive.") var publicKey: String?

    func run() async throws {
        let store = try await BaselineStore(path: database)
        let router = Router()
        router.post("ingest") { request, _ -> HTTPResponse.Status in
            var request = request
            let buffer = try await request.collectBody(upTo: 64 * 1024 * 1024)
            let data = Data(buffer.readableBytesView)
            try await store.ingest(data)
            return .ok
        }
        let key = try publicKey.flatMap { Data(base64Encoded: $0) }.map { try Curve25519.Signing.PublicKey(rawRepresentation: $0) }
        router.post("naive") { request, _ -> HTTPResponse.Status in
            var request = request
            let buffer = try await request.collectBody(upTo: 64 * 1024 * 1024)
            let data = Data(buffer.readableBytesView)
            guard let key, let text = request.headers.first(where: { $0.name.canonicalName == "x-review-signature" })?.value, let signature = Data(base64Encoded: text),
                  let frame = try? FederationFrame.decode(data), key.isValidSignature(signature, for: frame.json)
            else { return .unauthorized }
            try await store.ingest(data)
            return .ok
        }
        var logger = Logger(label: "ceiling")
        logger.logLevel = .warning
        let portFile = self.portFile
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  try? Data("\(channel.localAddress?.port ?? 0)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
                              }, logger: logger)
        try await app.runService()
    }
}
