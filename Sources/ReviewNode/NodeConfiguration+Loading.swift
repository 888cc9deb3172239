import Foundation
import ReviewProtocol
import ReviewStore

extension NodeConfiguration {
    /// The JSON shape of `Config/nodes/*.json`. Relative paths are relative to the file.
    struct File: Codable {
        var nodeId: String
        var name: String
        var tier: Tier
        var host: String?
        var port: Int?
        var dataDirectory: String
        var configDirectory: String?
        var logLevel: String?
        var opinionPrefix: String?
        var materialsSupplyWorkdays: Int?
        var supplementSupplyWorkdays: Int?
        var consultationWorkdays: Int?
        var maxMaterialBytes: Int?
        var maxMessageBytes: Int?
        var durability: NodeStore.Durability?
        var publicURL: String?
        var retryMaxSeconds: Double?
        var messageFreshnessDays: Double?
        var trustForwardedFor: Bool?
        var peerReadSeconds: Double?
        var chainAuditMinutes: Double?
        var countyReportSeconds: Double?
        var peerCAFile: String?
        var deliveredRetentionDays: Double?
        var backupIntervalHours: Double?
        var backupDirectory: String?
        var backupKeep: Int?
        var metricsPort: Int?
        var metricsHost: String?
    }

    /// Reads a node configuration file, then applies the environment overrides
    /// `REVIEW_PORT`, `REVIEW_HOST`, `REVIEW_DATA_DIR`, `REVIEW_LOG_LEVEL`.
    /// - Throws: `NodeConfigurationError` naming the file and the problem.
    public static func load(file path: String, environment: [String: String]) throws -> NodeConfiguration {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NodeConfigurationError("cannot read \(path)")
        }
        let file: File
        do {
            file = try StrictJSONDecoder.decode(File.self, from: data)
        } catch {
            throw NodeConfigurationError("\(path): \(error)")
        }
        let base = url.deletingLastPathComponent()
        func resolve(_ value: String) -> URL {
            value.hasPrefix("/") ? URL(fileURLWithPath: value) : base.appendingPathComponent(value).standardizedFileURL
        }
        guard file.nodeId.count == 6, file.nodeId.allSatisfy(\.isNumber) else {
            throw NodeConfigurationError("\(path): nodeId must be a six-digit division code, got \(file.nodeId)")
        }
        var configuration = NodeConfiguration(
            nodeId: file.nodeId, name: file.name, tier: file.tier,
            dataDirectory: resolve(file.dataDirectory),
            configDirectory: resolve(file.configDirectory ?? ".."))
        if let host = file.host { configuration.host = host }
        if let port = file.port {
            guard (0...65535).contains(port) else { throw NodeConfigurationError("\(path): port must be a port number (0-65535)") }
            configuration.port = port
        }
        if let level = file.logLevel { configuration.logLevel = level }
        if let prefix = file.opinionPrefix { configuration.opinionPrefix = prefix }
        if let days = file.materialsSupplyWorkdays { configuration.materialsSupplyWorkdays = days }
        if let days = file.supplementSupplyWorkdays { configuration.supplementSupplyWorkdays = days }
        if let days = file.consultationWorkdays {
            guard (1...60).contains(days) else { throw NodeConfigurationError("\(path): consultationWorkdays must be 1 to 60 working days") }
            configuration.consultationWorkdays = days
        }
        if let bytes = file.maxMaterialBytes {
            guard bytes > 0 else { throw NodeConfigurationError("\(path): maxMaterialBytes must be positive") }
            configuration.maxMaterialBytes = bytes
        }
        if let bytes = file.maxMessageBytes {
            guard bytes >= FederationWire.maxEnvelopeBytes else {
                throw NodeConfigurationError("\(path): maxMessageBytes must be at least \(FederationWire.maxEnvelopeBytes) (the envelope limit)")
            }
            configuration.maxMessageBytes = bytes
        }
        if let durability = file.durability { configuration.durability = durability }
        if let url = file.publicURL { configuration.publicURL = url }
        if let seconds = file.retryMaxSeconds {
            guard seconds > 0 else { throw NodeConfigurationError("\(path): retryMaxSeconds must be positive") }
            configuration.retryMaxSeconds = seconds
        }
        if let days = file.messageFreshnessDays {
            guard days > 0 else { throw NodeConfigurationError("\(path): messageFreshnessDays must be positive") }
            configuration.messageFreshness = days * 86400
        }
        if let trust = file.trustForwardedFor { configuration.trustForwardedFor = trust }
        if let seconds = file.peerReadSeconds {
            guard seconds >= 1, seconds <= 3600 else { throw NodeConfigurationError("\(path): peerReadSeconds must be from 1 to 3600 seconds") }
            configuration.peerReadSeconds = seconds
        }
        if let seconds = file.countyReportSeconds {
            guard seconds > 0 else { throw NodeConfigurationError("\(path): countyReportSeconds must be positive") }
            configuration.countyReportSeconds = seconds
        }
        if let minutes = file.chainAuditMinutes {
            guard minutes >= 0 else { throw NodeConfigurationError("\(path): chainAuditMinutes must not be negative") }
            configuration.chainAuditMinutes = minutes
        }
        if let caFile = file.peerCAFile { configuration.peerCAFile = resolve(caFile).path }
        if let days = file.deliveredRetentionDays {
            guard days > 0 else { throw NodeConfigurationError("\(path): deliveredRetentionDays must be positive") }
            configuration.deliveredRetention = days * 86400
        }
        if let hours = file.backupIntervalHours {
            guard hours >= 0 else { throw NodeConfigurationError("\(path): backupIntervalHours must be 0 (off) or positive") }
            configuration.backupInterval = hours * 3600
        }
        if let directory = file.backupDirectory { configuration.backupDirectory = resolve(directory) }
        if let keep = file.backupKeep {
            guard keep >= 1 else { throw NodeConfigurationError("\(path): backupKeep must be at least 1") }
            configuration.backupKeep = keep
        }
        if let port = file.metricsPort {
            guard (0...65535).contains(port) else { throw NodeConfigurationError("\(path): metricsPort must be a port number") }
            configuration.metricsPort = port
        }
        if let host = file.metricsHost { configuration.metricsHost = host }

        if let port = environment["REVIEW_PORT"] {
            guard let value = Int(port), (0...65535).contains(value) else {
                throw NodeConfigurationError("REVIEW_PORT: '\(port)' is not a port number")
            }
            configuration.port = value
        }
        if let host = environment["REVIEW_HOST"], !host.isEmpty { configuration.host = host }
        if let directory = environment["REVIEW_DATA_DIR"], !directory.isEmpty {
            configuration.dataDirectory = URL(fileURLWithPath: directory).standardizedFileURL
        }
        if let level = environment["REVIEW_LOG_LEVEL"], !level.isEmpty { configuration.logLevel = level }
        if let url = environment["REVIEW_PUBLIC_URL"], !url.isEmpty { configuration.publicURL = url }
        if let seconds = environment["REVIEW_RETRY_MAX_SECONDS"], !seconds.isEmpty {
            guard let value = Double(seconds), value > 0 else { throw NodeConfigurationError("REVIEW_RETRY_MAX_SECONDS: '\(seconds)' is not a positive number") }
            configuration.retryMaxSeconds = value
        }
        if let days = environment["REVIEW_MESSAGE_FRESHNESS_DAYS"], !days.isEmpty {
            guard let value = Double(days), value > 0 else { throw NodeConfigurationError("REVIEW_MESSAGE_FRESHNESS_DAYS: '\(days)' is not a positive number") }
            configuration.messageFreshness = value * 86400
        }
        if let hours = environment["REVIEW_BACKUP_INTERVAL_HOURS"], !hours.isEmpty {
            guard let value = Double(hours), value >= 0 else { throw NodeConfigurationError("REVIEW_BACKUP_INTERVAL_HOURS: '\(hours)' is not 0 or a positive number") }
            configuration.backupInterval = value * 3600
        }
        if let days = environment["REVIEW_DELIVERED_RETENTION_DAYS"], !days.isEmpty {
            guard let value = Double(days), value > 0 else { throw NodeConfigurationError("REVIEW_DELIVERED_RETENTION_DAYS: '\(days)' is not a positive number") }
            configuration.deliveredRetention = value * 86400
        }
        if let port = environment["REVIEW_METRICS_PORT"], !port.isEmpty {
            guard let value = Int(port), (0...65535).contains(value) else { throw NodeConfigurationError("REVIEW_METRICS_PORT: '\(port)' is not a port number") }
            configuration.metricsPort = value
        }
        return configuration
    }
}

/// A node configuration that cannot be used; the message names the file or variable.
public struct NodeConfigurationError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
