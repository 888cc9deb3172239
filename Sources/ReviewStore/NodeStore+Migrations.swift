import GRDB

extension NodeStore {
    /// Migrations are never edited once shipped; add a new one instead. They use table and
    /// column names, not app types (STYLE §8).
    /// The names of the migrations this build applies, in order (a backup's manifest lists them).
    public static var migrationNames: [String] { migrator.migrations }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "nodeMeta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("role", .text).notNull()
                t.column("unit", .text)
                t.column("tokenHash", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("disabled", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "reviewCase") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("level", .text).notNull()
                t.column("state", .text).notNull().indexed()
                t.column("title", .text).notNull()
                t.column("documentNumber", .text)
                t.column("draftingUnit", .text).notNull().indexed()
                t.column("divisionCode", .text).notNull()
                t.column("originNode", .text).notNull()
                t.column("submittedBy", .integer)
                t.column("submittedOn", .text).notNull().indexed()
                t.column("acceptedOn", .text)
                t.column("clockStops", .jsonText).notNull()
                t.column("clockLimit", .integer).notNull()
                t.column("dueOn", .text)
                t.column("effectiveDate", .text)
                t.column("lateApplication", .boolean).notNull()
                t.column("currentRevision", .integer).notNull()
                t.column("materialsDueOn", .text)
                t.column("preliminaryConclusion", .text)
                t.column("opinionIssuedOn", .text)
                t.column("revisionDueOn", .text)
                t.column("revisedOn", .text)
                t.column("disagreement", .text)
                t.column("coordination", .text)
                t.column("launchDate", .text)
                t.column("launchConfirmedOn", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "caseRevision") { t in
                t.column("caseId", .text).notNull().references("reviewCase", onDelete: .cascade)
                t.column("revision", .integer).notNull()
                t.column("form", .blob).notNull()
                t.column("createdOn", .text).notNull()
                t.column("createdBy", .integer)
                t.primaryKey(["caseId", "revision"])
            }
            try db.create(table: "materialBlob") { t in
                t.primaryKey("sha256", .text)
                t.column("bytes", .integer).notNull()
                t.column("content", .blob).notNull()
                t.column("uploadedBy", .integer)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "caseMaterial") { t in
                t.column("caseId", .text).notNull().references("reviewCase", onDelete: .cascade)
                t.column("kind", .text).notNull()
                t.column("title", .text)
                t.column("fileName", .text)
                t.column("sha256", .text).notNull().references("materialBlob")
                t.column("bytes", .integer).notNull()
                t.column("addedOn", .text).notNull()
                t.primaryKey(["caseId", "kind", "sha256"])
            }
            try db.create(table: "notice") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("caseId", .text).notNull().references("reviewCase", onDelete: .cascade).indexed()
                t.column("type", .text).notNull()
                t.column("round", .integer).notNull()
                t.column("issuedBy", .text).notNull()
                t.column("issuedOn", .text).notNull()
                t.column("supplyBy", .text)
                t.column("revision", .integer).notNull()
                t.column("body", .jsonText).notNull()
                t.column("answeredOn", .text)
            }
            try db.create(table: "opinion") { t in
                t.primaryKey("caseId", .text).references("reviewCase", onDelete: .cascade)
                t.column("number", .text).notNull().unique()
                t.column("year", .integer).notNull()
                t.column("sequence", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("body", .jsonText).notNull()
                t.column("issuedOn", .text).notNull()
                t.uniqueKey(["year", "sequence"])
            }
            // Append-only, hash-chained: each row's hash covers the previous row's hash.
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("caseId", .text).indexed()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("at", .text).notNull()
                t.column("payloadDigest", .text).notNull()
                t.column("payload", .jsonText).notNull()
                t.column("previousHash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.execute(sql: """
                CREATE TRIGGER eventNoUpdate BEFORE UPDATE ON event
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                CREATE TRIGGER eventNoDelete BEFORE DELETE ON event
                BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                """)
            // Federation (written with the state change that causes the message).
            try db.create(table: "outbox") { t in
                t.primaryKey("id", .text)
                t.column("peer", .text).notNull()
                t.column("caseId", .text)
                t.column("caseSequence", .integer).notNull()
                t.column("type", .text).notNull()
                t.column("body", .blob).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime).notNull()
                t.column("lastError", .text)
                t.column("deliveredAt", .datetime)
            }
            try db.create(index: "outboxPending", on: "outbox", columns: ["peer", "deliveredAt", "createdAt"])
            try db.create(table: "inbox") { t in
                t.primaryKey("id", .text)
                t.column("sender", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("result", .blob).notNull()
            }
        }
        migrator.registerMigration("v2-federation") { db in
            try db.create(table: "link") { t in
                t.primaryKey("nodeId", .text)
                t.column("name", .text).notNull()
                t.column("divisionCode", .text).notNull()
                t.column("tier", .text).notNull()
                t.column("baseURL", .text).notNull()
                t.column("publicKey", .text).notNull()
                t.column("previousPublicKey", .text)
                t.column("previousKeyValidUntil", .datetime)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("createdAt", .datetime).notNull()
                t.column("lastCheckAt", .datetime)
                t.column("lastCheckMilliseconds", .double)
                t.column("lastChainHead", .text)
            }
            try db.alter(table: "reviewCase") { t in
                t.add(column: "forwardedOn", .text)
                t.add(column: "cityCaseNumber", .text)
                t.add(column: "cityReceivedOn", .text)
                t.add(column: "countyWorkdays", .integer)
                t.add(column: "cityWorkdays", .integer)
            }
            try db.alter(table: "opinion") { t in
                t.add(column: "signature", .blob)
                t.add(column: "signerPublicKey", .text)
            }
            try db.alter(table: "inbox") { t in
                t.add(column: "caseId", .text)
                t.add(column: "sequence", .integer)
                t.add(column: "type", .text)
                t.add(column: "chainHead", .text)
            }
            try db.create(index: "inboxCase", on: "inbox", columns: ["sender", "caseId", "sequence"])
            try db.alter(table: "outbox") { t in
                t.add(column: "signature", .blob)
            }
            // The ledger pages in (submittedOn, id) order.
            try db.create(index: "caseLedgerOrder", on: "reviewCase", columns: ["submittedOn", "id"])
        }
        migrator.registerMigration("v3-console") { db in
            // Console sign-in with a password (bcrypt), beside the API token.
            try db.alter(table: "user") { t in
                t.add(column: "passwordHash", .text)
            }
            // Browser sessions: the cookie's SHA-256, never the cookie itself.
            try db.create(table: "consoleSession") { t in
                t.primaryKey("idHash", .text)
                t.column("userId", .integer).notNull().references("user", onDelete: .cascade)
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v4-hardening") { db in
            // Which drafting units uploaded a blob: only they (and reviewers of cases holding
            // it) may attach or read it, whoever else knows its digest.
            try db.create(table: "materialUpload") { t in
                t.column("sha256", .text).notNull()
                t.column("unit", .text).notNull()
                t.column("uploadedBy", .integer)
                t.column("uploadedAt", .datetime).notNull()
                t.primaryKey(["sha256", "unit"])
            }
            try db.execute(sql: """
                INSERT OR IGNORE INTO materialUpload(sha256, unit, uploadedBy, uploadedAt)
                SELECT b.sha256, u.unit, b.uploadedBy, b.createdAt FROM materialBlob b JOIN user u ON u.id = b.uploadedBy
                WHERE u.unit IS NOT NULL
                """)
            // Tokens may expire (nil: never).
            try db.alter(table: "user") { t in
                t.add(column: "tokenExpiresAt", .datetime)
            }
            // The last sequence applied per (sender, case): replay protection that survives the
            // pruning of old inbox ids.
            try db.create(table: "inboxSequence") { t in
                t.column("sender", .text).notNull()
                t.column("caseId", .text).notNull()
                t.column("lastSequence", .integer).notNull()
                t.primaryKey(["sender", "caseId"])
            }
            try db.execute(sql: """
                INSERT INTO inboxSequence(sender, caseId, lastSequence)
                SELECT sender, caseId, MAX(sequence) FROM inbox WHERE caseId IS NOT NULL AND sequence IS NOT NULL GROUP BY sender, caseId
                """)
            try db.create(index: "inboxReceivedAt", on: "inbox", columns: ["receivedAt"])
            // Dead letters: a message the peer refused for its content (permanently) stops
            // blocking other cases after a few attempts; operators retry or discard it.
            try db.alter(table: "outbox") { t in
                t.add(column: "refusals", .integer).notNull().defaults(to: 0)
                t.add(column: "deadAt", .datetime)
                t.add(column: "discardedAt", .datetime)
            }
            // The pending head of each case's queue, and the next per-case sequence, in one seek.
            try db.execute(sql: "CREATE INDEX outboxPendingCase ON outbox(peer, caseId, createdAt) WHERE deliveredAt IS NULL")
            try db.create(index: "outboxCaseSequence", on: "outbox", columns: ["peer", "caseId", "caseSequence"])
            // The peer's limit for one message, from its link card (nil: an older card).
            try db.alter(table: "link") { t in
                t.add(column: "maxMessageBytes", .integer)
            }
        }
        migrator.registerMigration("v5-key-history") { db in
            // Every key a node (this one or a peer) signed with, and when: an opinion verifies
            // only against a key of its issuer that was valid on the opinion's date.
            try db.create(table: "keyHistory") { t in
                t.column("nodeId", .text).notNull()
                t.column("publicKey", .text).notNull()
                t.column("validFrom", .datetime).notNull()
                t.column("validUntil", .datetime)
                t.primaryKey(["nodeId", "publicKey"])
            }
            try db.execute(sql: """
                INSERT OR IGNORE INTO keyHistory(nodeId, publicKey, validFrom, validUntil)
                SELECT nodeId, previousPublicKey, createdAt, previousKeyValidUntil FROM link WHERE previousPublicKey IS NOT NULL
                """)
            try db.execute(sql: "INSERT OR IGNORE INTO keyHistory(nodeId, publicKey, validFrom) SELECT nodeId, publicKey, createdAt FROM link")
        }
        migrator.registerMigration("v6-opinion-revision") { db in
            // The revision an opinion judged: Art 10 launch compares the final content with it.
            try db.alter(table: "opinion") { t in
                t.add(column: "revision", .integer)
            }
        }
        migrator.registerMigration("v7-chain-audit") { db in
            // A peer's chain check finds a head by its hash in one seek.
            try db.create(index: "eventHash", on: "event", columns: ["hash"])
            // The last cross-check of each peer's log.
            try db.alter(table: "link") { t in
                t.add(column: "lastAuditAt", .datetime)
                t.add(column: "lastAuditOK", .boolean)
                t.add(column: "lastAuditProblem", .text)
            }
        }
        migrator.registerMigration("v8-county-ledger") { db in
            // At the city: every county case as the county's ledger reports it (Art 15).
            try db.create(table: "countyCase") { t in
                t.primaryKey("caseId", .text)
                t.column("origin", .text).notNull().indexed()
                t.column("state", .text).notNull()
                t.column("submittedOn", .text).notNull()
                t.column("updatedAt", .text).notNull()
                t.column("entry", .blob).notNull()
            }
        }
        migrator.registerMigration("v9-operations") { db in
            // Resync after a restore (issue 17): each received message keeps its signed frame for
            // the retention window, so that a peer restored from an older backup can be sent back
            // its own messages, which it lost and this node applied.
            try db.alter(table: "inbox") { t in
                t.add(column: "frame", .blob)
                t.add(column: "signature", .blob)
            }
            try db.create(index: "outboxDeliveredAt", on: "outbox", columns: ["deliveredAt"])
        }
        migrator.registerMigration("v10-superseded-opinions") { db in
            // A re-review's new opinion supersedes the old; both are kept, each with its number.
            try db.create(table: "supersededOpinion") { t in
                t.column("caseId", .text).notNull().indexed()
                t.column("number", .text).notNull()
                t.column("year", .integer).notNull()
                t.column("sequence", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("body", .blob).notNull()
                t.column("issuedOn", .text).notNull()
                t.column("signature", .blob)
                t.column("signerPublicKey", .text)
                t.column("revision", .integer)
                t.column("supersededOn", .text).notNull()
                t.primaryKey(["caseId", "number"])
            }
        }
        migrator.registerMigration("v11-policy-lineage") { db in
            // Art 13: an adjustment or withdrawal names the case its policy was launched under.
            try db.alter(table: "reviewCase") { t in
                t.add(column: "originalCaseId", .text).indexed()
            }
        }
        migrator.registerMigration("v12-publication") { db in
            // Art 14: the city's published changes (the feed), signed, in order.
            try db.create(table: "publishedChange") { t in
                t.primaryKey("sequence", .integer)
                t.column("itemId", .text).notNull().indexed()
                t.column("caseId", .text).notNull().unique()
                t.column("change", .text).notNull()
                t.column("divisionCode", .text).notNull()
                t.column("effectiveOn", .text).notNull()
                t.column("document", .blob).notNull()
                t.column("signature", .blob).notNull()
                t.column("signerPublicKey", .text).notNull()
                t.column("publishedAt", .datetime).notNull()
            }
            // Consuming systems the city pushes to, and each one's queue.
            try db.create(table: "publicationConsumer") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("url", .text).notNull()
                t.column("secret", .text).notNull()
                t.column("divisions", .text).notNull()
                t.column("enabled", .boolean).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "consumerDelivery") { t in
                t.column("consumerId", .integer).notNull().references("publicationConsumer", onDelete: .cascade)
                t.column("sequence", .integer).notNull().references("publishedChange")
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("refusals", .integer).notNull().defaults(to: 0)
                t.column("nextAttemptAt", .datetime)
                t.column("lastError", .text)
                t.column("deliveredAt", .datetime)
                t.column("deadAt", .datetime)
                t.primaryKey(["consumerId", "sequence"])
            }
        }
        registerConsultationMigration(&migrator)
        migrator.registerMigration("v14-outbox-bodies") { db in
            // The signed frames apart from the small rows the delivery loop updates: marking a
            // message delivered rewrites about a hundred bytes, not its half-megabyte body.
            try db.create(table: "outboxBody") { t in
                t.primaryKey("id", .text).references("outbox", onDelete: .cascade)
                t.column("body", .blob).notNull()
                t.column("signature", .blob)
            }
            try db.execute(sql: "INSERT INTO outboxBody(id, body, signature) SELECT id, body, signature FROM outbox")
            try db.alter(table: "outbox") { t in
                t.drop(column: "body")
                t.drop(column: "signature")
            }
            // The next per-case sequence in one seek: discarded messages are not in the index.
            try db.execute(sql: "CREATE INDEX outboxNextSequence ON outbox(peer, caseId, caseSequence) WHERE discardedAt IS NULL")
        }
        registerFrameReferenceMigrations(&migrator)
        registerCaseTallyMigration(&migrator)
        return migrator
    }
}
