public import GRDB

// The columns the store's requests filter and order on, one `enum Columns` per record (as
// `CaseRecord.Columns` in CaseQueries.swift): a request names a column once, here.

extension CaseRecord.Columns {
    public static let updatedAt = Column("updatedAt")
}

extension NoticeRecord {
    public enum Columns {
        public static let id = Column("id")
        public static let caseId = Column("caseId")
        public static let type = Column("type")
        public static let issuedBy = Column("issuedBy")
        public static let round = Column("round")
    }
}

extension EventRecord {
    public enum Columns {
        public static let seq = Column("seq")
        public static let caseId = Column("caseId")
    }
}

extension UserRecord {
    public enum Columns {
        public static let id = Column("id")
        public static let name = Column("name")
        public static let tokenHash = Column("tokenHash")
        public static let tokenExpiresAt = Column("tokenExpiresAt")
        public static let disabled = Column("disabled")
        public static let passwordHash = Column("passwordHash")
    }
}

extension ConsoleSessionRecord {
    public enum Columns {
        public static let userId = Column("userId")
        public static let expiresAt = Column("expiresAt")
    }
}

extension LinkRecord {
    public enum Columns {
        public static let nodeId = Column("nodeId")
        public static let maxMessageBytes = Column("maxMessageBytes")
        public static let tier = Column("tier")
        public static let enabled = Column("enabled")
    }
}

extension InboxRecord {
    public enum Columns {
        public static let id = Column("id")
        public static let result = Column("result")
        public static let receivedAt = Column("receivedAt")
    }
}

extension KeyRecord {
    public enum Columns {
        public static let nodeId = Column("nodeId")
        public static let validFrom = Column("validFrom")
    }
}
