import GRDB
public import ReviewProtocol

extension NodeStore {
    /// Binds the database file to one node: the first start records the node id and tier;
    /// a later start with another id or tier is refused, so that one node never opens
    /// another's data by a configuration mistake.
    public func claim(nodeId: String, tier: Tier) throws {
        try writer.write { db in
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
}
