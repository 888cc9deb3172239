import HTTPTypes
import Hummingbird

/// One resource's routes: a table of method, path under the resource's mount and handler, from
/// which its Hummingbird `RouteCollection` is built (`addRoutes(_:atPath:)`). Handlers stay
/// thin: decode → the workflow or a service (which checks access, once) → encode.
protocol RouteTable: Sendable {
    typealias Handler = @Sendable (Self) -> @Sendable (Request, NodeRequestContext) async throws -> Response

    init(services: NodeServices)
    var services: NodeServices { get }
    /// Where the collection is mounted in its group (`cases/:id`; empty: the group itself).
    static var mount: String { get }
    static var table: [(HTTPRequest.Method, String, Handler)] { get }
}

extension RouteTable {
    /// The table as a route collection.
    var collection: RouteCollection<NodeRequestContext> {
        let collection = RouteCollection(context: NodeRequestContext.self)
        for (method, path, handler) in Self.table {
            collection.on(RouterPath(path), method: method, use: handler(self))
        }
        return collection
    }

    /// Adds the resource's routes to `group` at ``mount``.
    static func add(to group: some RouterMethods<NodeRequestContext>, services: NodeServices) {
        group.addRoutes(Self(services: services).collection, atPath: RouterPath(mount))
    }

    /// Every route as `METHOD mount/path` with OpenAPI-style `{parameters}`.
    static var documented: [String] {
        table.map { method, path, _ in
            let full = [mount, path].filter { !$0.isEmpty }.joined(separator: "/")
            let openAPIPath = full.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(method.rawValue) \(openAPIPath)"
        }
    }

    /// The largest JSON body a route reads (bytes).
    var jsonLimit: Int { services.configuration.maxJSONBytes }
    var reads: CaseReads { CaseReads(services: services) }
    var workflow: CaseWorkflow { services.workflow }
}

/// The JSON API under /api/v1 (see deploy/openapi.yaml): one route collection per resource,
/// behind ``AuthMiddleware`` (every route needs a bearer token).
public enum NodeRoutes {
    /// The API's resources, each mounted under /api/v1.
    static let resources: [any RouteTable.Type] = [
        UserRoutes.self, MaterialRoutes.self, CaseRoutes.self, CaseActionRoutes.self, ConsultationRoutes.self,
        FederationRoutes.self, LedgerRoutes.self, PublicationRoutes.self,
    ]

    /// The documented routes as `METHOD /api/v1/path` with OpenAPI-style `{parameters}`.
    /// deploy/openapi.yaml documents exactly these (a test keeps the two in step).
    public static var documentedRoutes: [String] {
        resources.flatMap { resource in
            resource.documented.map { route in
                let parts = route.split(separator: " ", maxSplits: 1)
                return "\(parts[0]) /api/v1/\(parts[1])"
            }
        }
    }

    /// Adds every API resource to `api` (the /api/v1 group).
    static func add(to api: RouterGroup<NodeRequestContext>, services: NodeServices) {
        for resource in resources { resource.add(to: api, services: services) }
    }
}
