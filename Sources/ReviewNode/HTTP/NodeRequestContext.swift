public import Hummingbird
import Foundation
import HTTPTypes
import Logging
public import ReviewStore

/// The request context: Hummingbird's core storage plus the authenticated user.
public struct NodeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware``; every route under /api/v1 can rely on it.
    public var user: UserRecord?
    /// Set by the console's session middleware for browser requests under /console.
    public var consoleSession: ConsoleSessionRecord?
    /// The TCP peer's IP address (the reverse proxy's, when one fronts the node).
    public var peerAddress: String?
    /// Closes the request's connection (a peer's read that overran its deadline).
    let closeConnection: @Sendable () -> Void

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.consoleSession = nil
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        let channel = source.channel
        self.closeConnection = { channel.close(promise: nil) }
    }

    /// The client's address: the TCP peer, or with `trustForwardedFor` (a reverse proxy of our
    /// own in front) the last `X-Forwarded-For` entry, which that proxy appended; at most 64
    /// characters, "unknown" when there is none.
    func clientAddress(_ request: Request, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return String(last.prefix(64))
        }
        return peerAddress ?? "unknown"
    }

    /// Material uploads are limited by the node configuration, not by this default.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    func requireUser() throws -> UserRecord {
        guard let user else { throw APIError.unauthenticated }
        return user
    }
}
