import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
public import ReviewProtocol
import ReviewRules
import ReviewStore
import CurlClient

/// Builds and runs a node: the store, the rules and calendar from Config, the API routes.
/// Shared by `county-node`, `city-node` and the tests.
public enum NodeApplication {
    /// Opens the store (migrating it), loads Config and builds the application.
    /// - Throws: `NodeConfigurationError` with a readable message when anything is missing.
    public static func build(configuration: NodeConfiguration, today: Today = .beijing, logger: Logger) throws -> some ApplicationProtocol {
        try build(services: try makeServices(configuration: configuration, today: today, logger: logger), logger: logger)
    }

    /// The application around `services` (tests pass services with an in-process transport).
    static func build(services: NodeServices, logger: Logger) throws -> some ApplicationProtocol {
        let configuration = services.configuration
        // HEAD wherever GET is (Hummingbird runs the GET route and drops the body).
        let router = Router(context: NodeRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware(metrics: services.metrics))
        router.add(middleware: ErrorMiddleware())
        // One line per request at debug only: at info, a busy node logged (and encoded as JSON) every request.
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.get("health") { _, _ in
            try HTTPBody.json(["status": "ok", "node": configuration.nodeId, "tier": configuration.tier.rawValue])
        }
        if configuration.metricsPort == nil {
            // Operators only: an operator's bearer token.
            router.group("metrics").add(middleware: AuthMiddleware(store: services.store, metrics: services.metrics)).get { _, context -> Response in
                guard try context.requireUser().role == .operator else { throw APIError.forbidden("metrics are for operators") }
                return try await metricsResponse(services)
            }
        }
        let api = router.group("api/v1").add(middleware: AuthMiddleware(store: services.store, metrics: services.metrics))
        NodeRoutes.add(to: api, services: services)
        ConsoleRoutes.add(to: router, services: services)
        // Node-to-node messages authenticate by signature, not by token.
        PeerRoutes.add(to: router, services: services)
        // Last, after every route: it wraps only the not-found responder.
        ConsoleRoutes.addFallback(to: router, services: services)
        let delivery = DeliveryService(localNode: configuration.nodeId, store: services.store, client: services.transport, signal: services.outboxSignal, logger: logger,
                                       maxBackoff: .milliseconds(Int(configuration.retryMaxSeconds * 1000)), metrics: services.metrics)
        var background: [any Service] = [
            delivery,
            InboxPruner(store: services.store, freshness: configuration.messageFreshness, skew: configuration.allowedClockSkew,
                        retention: configuration.deliveredRetention, logger: logger),
            BackupScheduler(configuration: configuration, store: services.store, metrics: services.metrics, logger: logger),
            ResyncService(services: services, logger: logger),
        ]
        if configuration.chainAuditMinutes > 0 {
            background.append(ChainAuditService(services: services, interval: .seconds(configuration.chainAuditMinutes * 60), logger: logger))
        }
        if configuration.isCity {
            var consumerClient = CurlHTTPClient.Configuration()
            consumerClient.caFile = configuration.peerCAFile
            background.append(ConsumerDeliveryService(services: services, client: CurlHTTPClient(configuration: consumerClient), logger: logger,
                                                      maxBackoff: .milliseconds(Int(configuration.retryMaxSeconds * 1000))))
        }
        if !configuration.isCity {
            background.append(CountyLedgerReporter(services: services, interval: .milliseconds(Int(configuration.countyReportSeconds * 1000)), logger: logger))
        }
        if let metricsPort = configuration.metricsPort {
            background.append(metricsServer(services, port: metricsPort, logger: logger))
        }

        let portFile = configuration.portFile
        return Application(
            router: router,
            // A connection that sends nothing for 30 s is closed: a stalled body holds no memory for long.
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "review-node-\(configuration.nodeId)"),
            services: background,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                // Written atomically so that a reader never sees half a number.
                try? Data("\(port)\n".utf8).write(to: portFile, options: .atomic)
                try? services.store.recordCardDetails(name: configuration.name, baseURL: configuration.baseURL(actualPort: port),
                                                      maxMessageBytes: configuration.maxMessageBytes)
                logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)", "node": "\(configuration.nodeId)"])
            },
            logger: logger
        )
    }

    /// The Prometheus text exposition of the node's metrics.
    static func metricsResponse(_ services: NodeServices) async throws -> Response {
        let bytes = try await services.metrics.render(store: services.store, configuration: services.configuration, today: services.today.date,
                                                      calendarYears: services.calendar.years)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `/metrics` alone, without a token, on its own (loopback) port; the port chosen is
    /// written to `metrics.port` in the data directory.
    static func metricsServer(_ services: NodeServices, port: Int, logger: Logger) -> some Service {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.get("metrics") { _, _ -> Response in try await metricsResponse(services) }
        let portFile = services.configuration.dataDirectory.appendingPathComponent("metrics.port")
        let host = services.configuration.metricsHost
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "review-metrics-\(services.configuration.nodeId)"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? port
                try? Data("\(port)\n".utf8).write(to: portFile, options: .atomic)
                logger.info("metrics listening", metadata: ["host": "\(host)", "port": "\(port)"])
            },
            logger: logger)
    }

    static func makeServices(configuration: NodeConfiguration, today: Today, logger: Logger, transport: (any PeerTransport)? = nil) throws -> NodeServices {
        do {
            // 0700 when the node creates it: it holds the database and the key.
            try NodeStore.createPrivateDirectory(at: configuration.dataDirectory)
        } catch {
            throw NodeConfigurationError("cannot create data directory \(configuration.dataDirectory.path): \(error.localizedDescription)")
        }
        CaseArchive.removeLeftovers(configuration)
        let calendar: WorkCalendar
        let rules: RulesConfiguration
        do {
            calendar = try WorkCalendar.load(from: configuration.configDirectory.appendingPathComponent("calendar"))
            rules = try RulesConfiguration.load(from: configuration.configDirectory.appendingPathComponent("rules"))
        } catch let error as RulesError {
            throw NodeConfigurationError("Config (\(configuration.configDirectory.path)): \(error.message)")
        }
        let now = today.date
        if !calendar.years.contains(now.year) {
            logger.error("no working-day calendar for the current year: deadlines cannot be computed", metadata: ["year": "\(now.year)"])
        } else if now.month >= 11, !calendar.years.contains(now.year + 1) {
            logger.warning("next year's working-day calendar is missing: import the State Council notice once published: reviewctl calendar import --year \(now.year + 1) notice.txt")
        }
        let store: NodeStore
        do {
            store = try NodeStore(path: configuration.databasePath, durability: configuration.durability)
            try store.claim(nodeId: configuration.nodeId, tier: configuration.tier)
            // A node that cannot write would start and then fail every action: refuse now.
            do {
                try store.recordStart()
            } catch {
                throw NodeConfigurationError("\(configuration.databasePath) cannot be written (read-only file or directory, or disk full): \(error)")
            }
        } catch let error as StoreError {
            throw NodeConfigurationError("\(configuration.databasePath): \(error.message)")
        } catch let error as NodeConfigurationError {
            throw error
        } catch {
            throw NodeConfigurationError("cannot open \(configuration.databasePath): \(error)")
        }
        try KeyRotation.recover(in: configuration.dataDirectory, store: store, logger: logger)
        let identity = try NodeIdentity.loadOrCreate(in: configuration.dataDirectory)
        // This node's own key history: the current key from the first start that saw it.
        try store.recordOwnKey(nodeId: configuration.nodeId, publicKey: identity.publicKeyBase64)
        logger.info("node identity", metadata: ["fingerprint": "\(identity.fingerprint)"])
        var clientConfiguration = CurlHTTPClient.Configuration()
        clientConfiguration.caFile = configuration.peerCAFile
        return NodeServices(configuration: configuration, store: store, calendar: calendar,
                            linter: StandardizationLinter(configuration: rules), today: today, identities: IdentityHolder(identity),
                            outboxSignal: OutboxSignal(), transport: transport ?? CurlPeerTransport(client: CurlHTTPClient(configuration: clientConfiguration)),
                            renderer: try ConsoleRenderer())
    }

    /// Runs a node of `tier` from the configuration at `configPath` (nil: `REVIEW_NODE_CONFIG`)
    /// until it is stopped; a configuration error is one line on stderr and exit code 2.
    public static func run(tier: Tier, configPath: String?) async {
        let environment = ProcessInfo.processInfo.environment
        let executable = tier == .county ? "county-node" : "city-node"
        let configPath = configPath ?? environment["REVIEW_NODE_CONFIG"]
        guard let configPath else { fail(executable, "no configuration: pass --config FILE or set REVIEW_NODE_CONFIG") }
        var address = ""
        do {
            let configuration = try NodeConfiguration.load(file: configPath, environment: environment)
            guard configuration.tier == tier else {
                fail(executable, "\(configPath) configures a \(configuration.tier.rawValue) node; run \(configuration.tier == .city ? "city-node" : "county-node")")
            }
            var logger = Logger(label: "\(executable).\(configuration.nodeId)") { JSONLogHandler(label: $0) }
            guard let level = Logger.Level(rawValue: configuration.logLevel) else {
                fail(executable, "logLevel '\(configuration.logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            logger.logLevel = level
            var today = Today.beijing
            if let pinned = environment["REVIEW_TODAY"], !pinned.isEmpty {
                guard let date = CivilDate(iso: pinned) else { fail(executable, "REVIEW_TODAY: '\(pinned)' is not YYYY-MM-DD") }
                today = .fixed(date)
                logger.warning("the date is pinned by REVIEW_TODAY", metadata: ["today": "\(date)"])
            }
            address = "\(configuration.host):\(configuration.port)"
            let app = try build(configuration: configuration, today: today, logger: logger)
            try await app.runService()
        } catch let error as NodeConfigurationError {
            fail(executable, error.description)
        } catch let error as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) {
            // The listening socket: one line an operator can act on, not NIO's call name.
            let reason = switch error.errnoCode {
            case EADDRINUSE: "the address is already in use (another node or program listens there)"
            case EACCES: "permission denied (a port below 1024 needs privileges)"
            default: "the address is not available on this machine"
            }
            fail(executable, "cannot listen on \(address): \(reason)")
        } catch {
            fail(executable, String(describing: error))
        }
    }

    static func fail(_ executable: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("\(executable): error: \(message)\n".utf8))
        exit(2)
    }
}
