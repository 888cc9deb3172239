public import Hummingbird
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

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.user = nil
        self.consoleSession = nil
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Material uploads are limited by the node configuration, not by this default.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    func requireUser() throws -> UserRecord {
        guard let user else { throw APIError.unauthenticated }
        return user
    }
}
