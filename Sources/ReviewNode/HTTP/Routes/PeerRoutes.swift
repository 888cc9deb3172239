import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol

/// The node-to-node routes (`POST /federation/v1/messages`, `POST /federation/v1/batch`):
/// outside /api/v1, authenticated by each message's signature, not by a token
/// (``FederationEndpoint``).
struct PeerRoutes: RouteTable {
    let services: NodeServices
    /// Built once: the receiver and intake serve every message.
    let endpoint: FederationEndpoint
    static let mount = ""

    init(services: NodeServices) {
        self.services = services
        self.endpoint = FederationEndpoint(services: services)
    }

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.post, String(FederationWire.path.dropFirst()), { $0.receive }),
        // Several queued messages in one request (a sender of this version or later).
        (.post, String(FederationWire.batchPath.dropFirst()), { $0.receiveBatch }),
    ]

    func receive(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await endpoint.receive(request, from: connection(request, context)))
    }

    func receiveBatch(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await endpoint.receiveBatch(request, from: connection(request, context)))
    }

    func connection(_ request: Request, _ context: NodeRequestContext) -> PeerConnection {
        PeerConnection(address: context.clientAddress(request, trustForwardedFor: services.configuration.trustForwardedFor),
                       close: context.closeConnection, logger: context.logger)
    }
}
