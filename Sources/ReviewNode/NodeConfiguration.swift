public import Foundation
public import ReviewProtocol
public import ReviewStore

/// What a node needs to start. Plain values with defaults; reading them from a file and the
/// environment is in `NodeConfiguration+Loading.swift`.
public struct NodeConfiguration: Sendable {
    /// The node id: its GB/T 2260 division code (220100 for 长春市, 220183 for 德惠市).
    public var nodeId: String
    /// The 政数局 running the node, e.g. 德惠市政务服务和数字化建设管理局.
    public var name: String
    public var tier: Tier
    /// Listen address; loopback unless a reverse proxy fronts the node.
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (tests); the chosen port is written to `dataDirectory/node.port`.
    public var port: Int = 8080
    /// Holds `node.sqlite` (and its WAL), `node.port`.
    public var dataDirectory: URL
    /// The Config folder: `calendar/` and `rules/` inside.
    public var configDirectory: URL
    /// swift-log level name: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// Prefix of the opinion numbers this node issues, e.g. 长政数标审 → 长政数标审〔2026〕12号.
    public var opinionPrefix: String = "长政数标审"
    /// Art 5: working days the drafter gets to supply missing materials.
    public var materialsSupplyWorkdays: Int = 5
    /// Working days the drafter gets to answer a supplement notice.
    public var supplementSupplyWorkdays: Int = 5
    /// Working days a consulted department has to answer a 上线意见征询 (issue 18; default 5).
    public var consultationWorkdays: Int = 5
    /// Largest material file accepted, in bytes (default 50 MB).
    public var maxMaterialBytes: Int = 50 * 1024 * 1024
    /// Largest message a peer may send this node, frame bytes (the envelope and its
    /// materials); carried on the link card so that peers refuse larger ones before queuing.
    /// Default: 8 × `maxMaterialBytes` + 8 MiB.
    public var maxMessageBytes: Int {
        get { maxMessageBytesSetting ?? maxMaterialBytes * 8 + FederationWire.maxEnvelopeBytes }
        set { maxMessageBytesSetting = newValue }
    }
    var maxMessageBytesSetting: Int?
    /// Largest JSON request body, in bytes.
    public var maxJSONBytes: Int = 8 * 1024 * 1024
    public var durability: NodeStore.Durability = .full
    /// The base URL peers use to reach this node (its link card); defaults to http://host:port.
    public var publicURL: String?
    /// Longest wait between two delivery attempts of one message, seconds.
    public var retryMaxSeconds: Double = 30
    /// Minutes between two cross-checks of each peer's event log (0: never; `reviewctl audit
    /// verify --peer` runs one at any time).
    public var chainAuditMinutes: Double = 60
    /// County: seconds between two reports of changed ledger entries to the city (Art 15).
    public var countyReportSeconds: Double = 60
    /// Messages sent longer ago than this are refused as stale, seconds (default 30 days:
    /// generous for a node that was down for days); received ids older than it are pruned.
    public var messageFreshness: TimeInterval = 30 * 86400
    /// How far in the future a peer's `sentAt` may lie, seconds: an hour, or the freshness
    /// window when that is shorter (tests).
    public var allowedClockSkew: TimeInterval { min(3600, messageFreshness) }
    /// Longest a peer's request may take to send what is read before its signature is checked
    /// (the frame header and the signed envelope), seconds (default 10); the connection is then
    /// closed, so that slow senders cannot hold the few places such reads have.
    public var peerReadSeconds: TimeInterval = 10
    /// Whether a reverse proxy of our own fronts the node and appends the client's address to
    /// `X-Forwarded-For` (sign-in throttling per address uses it). Default false.
    public var trustForwardedFor: Bool = false
    /// PEM bundle of private CAs for peers' TLS certificates (nil: the system's).
    public var peerCAFile: String?
    /// Delivered messages (and the frames of received ones) are kept this long, seconds
    /// (default 30 days), so that a peer restored from an older backup can be resent what it
    /// lost; never pruned younger than this.
    public var deliveredRetention: TimeInterval = 30 * 86400
    /// Between two backups the node takes of itself, seconds (0, the default: none).
    public var backupInterval: TimeInterval = 0
    /// Where scheduled backups go (default `dataDirectory/backups`, mode 0700).
    public var backupDirectory: URL?
    /// How many scheduled backups are kept (default 7); older ones are deleted.
    public var backupKeep: Int = 7
    /// Where `/metrics` is served: nil (the default) on the main port to operators' tokens
    /// only; a port number serves it without a token on `metricsHost` (loopback) there.
    public var metricsPort: Int?
    /// Listen address of the separate metrics port (default 127.0.0.1).
    public var metricsHost: String = "127.0.0.1"

    /// `backupDirectory`, or `dataDirectory/backups`.
    public var effectiveBackupDirectory: URL { backupDirectory ?? dataDirectory.appendingPathComponent("backups") }

    public init(nodeId: String, name: String, tier: Tier, dataDirectory: URL, configDirectory: URL) {
        self.nodeId = nodeId
        self.name = name
        self.tier = tier
        self.dataDirectory = dataDirectory
        self.configDirectory = configDirectory
    }

    public var databasePath: String { dataDirectory.appendingPathComponent("node.sqlite").path }
    public var portFile: URL { dataDirectory.appendingPathComponent("node.port") }
    public var isCity: Bool { tier == .city }

    /// The URL for the link card: `publicURL`, or http://host:port.
    public func baseURL(actualPort: Int? = nil) -> String {
        publicURL ?? "http://\(host):\(actualPort ?? port)"
    }
}
