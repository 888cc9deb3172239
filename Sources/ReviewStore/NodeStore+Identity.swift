public import Foundation
import GRDB
public import ReviewProtocol

extension NodeStore {
    /// Binds the database file to one node: the first start records the node id and tier;
    /// a later start with another id or tier is refused, so that one node never opens
    /// another's data by a configuration mistake.
    public func claim(nodeId: String, tier: Tier) throws {
        try database.write { db in
            for (key, value) in [("nodeId", nodeId), ("tier", tier.rawValue)] {
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM nodeMeta WHERE key = ?", arguments: [key]) {
                    guard existing == value else {
                        throw StoreError(.conflict, "this database belongs to \(key) \(existing), not \(value)")
                    }
                } else {
                    try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
        }
    }

    /// Writes the start time into `nodeMeta`: proves at start-up that the database can be
    /// written (a read-only file would otherwise fail every action later).
    public func recordStart(at date: Date = Date()) throws {
        try database.write { db in
            try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES ('lastStart', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [date.formatted(.iso8601)])
        }
    }

    /// What a link card needs beyond the id and tier, recorded by the running node so that
    /// `reviewctl link export --data-dir` can print the card without the configuration file.
    public func recordCardDetails(name: String, baseURL: String, maxMessageBytes: Int) throws {
        try database.write { db in
            for (key, value) in [("name", name), ("baseURL", baseURL), ("maxMessageBytes", String(maxMessageBytes))] {
                try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            }
        }
    }

    /// The node's recorded details (`nodeId`, `tier`, `name`, `baseURL`, `maxMessageBytes`).
    public func nodeDetails() throws -> [String: String] {
        try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM nodeMeta").map { (row: Row) in
                (row["key"] as String, row["value"] as String)
            })
        }
    }

    /// Records this node's own signing key in the key history (at the first start that sees it).
    public func recordOwnKey(nodeId: String, publicKey: String) throws {
        try database.write { db in try Self.recordKey(db, nodeId: nodeId, publicKey: publicKey) }
    }
}
