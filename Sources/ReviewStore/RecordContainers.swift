import Foundation
public import GRDB
import ReviewProtocol
import ReviewRules

// Hand-written column encodings for the records a node writes once or more per received
// message (a forwarded case writes a case, a revision, five blobs and five material rows, an
// event and an inbox row). Through `Encodable`, GRDB encodes each record with a Codable
// encoder into its container, and that was about 10 % of the city's samples while it caught
// up on 5,000 forwarded cases. Each writes exactly what the synthesized `Encodable`
// conformance wrote (same columns, same values: dates through `Date`'s database value,
// `CivilDate` as its `YYYY-MM-DD` text, enums as raw values, arrays as GRDB's JSON text);
// `RecordContainerTests` compares every column of each with the `Encodable` encoding, so a
// property added to a record without its column here fails there.

extension CaseRecord {
    /// Every column of its `reviewCase` row, as the `Encodable` encoding wrote it.
    /// - Throws: `EncodingError` when the clock stops cannot be encoded as JSON.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["kind"] = kind.rawValue
        container["level"] = level.rawValue
        container["state"] = state.rawValue
        container["title"] = title
        container["documentNumber"] = documentNumber
        container["draftingUnit"] = draftingUnit
        container["divisionCode"] = divisionCode
        container["originNode"] = originNode
        container["submittedBy"] = submittedBy
        container["submittedOn"] = submittedOn.description
        container["acceptedOn"] = acceptedOn?.description
        container["clockStops"] = String(decoding: try Self.databaseJSONEncoder(for: "clockStops").encode(clockStops), as: UTF8.self)
        container["clockLimit"] = clockLimit
        container["dueOn"] = dueOn?.description
        container["effectiveDate"] = effectiveDate?.description
        container["lateApplication"] = lateApplication
        container["currentRevision"] = currentRevision
        container["materialsDueOn"] = materialsDueOn?.description
        container["preliminaryConclusion"] = preliminaryConclusion
        container["opinionIssuedOn"] = opinionIssuedOn?.description
        container["revisionDueOn"] = revisionDueOn?.description
        container["revisedOn"] = revisedOn?.description
        container["disagreement"] = disagreement
        container["coordination"] = coordination
        container["launchDate"] = launchDate?.description
        container["launchConfirmedOn"] = launchConfirmedOn?.description
        container["createdAt"] = createdAt
        container["updatedAt"] = updatedAt
        container["originalCaseId"] = originalCaseId
        container["forwardedOn"] = forwardedOn?.description
        container["cityCaseNumber"] = cityCaseNumber
        container["cityReceivedOn"] = cityReceivedOn?.description
        container["countyWorkdays"] = countyWorkdays
        container["cityWorkdays"] = cityWorkdays
    }
}

extension RevisionRecord {
    /// Every column of its `caseRevision` row, as the `Encodable` encoding wrote it.
    public func encode(to container: inout PersistenceContainer) throws {
        container["caseId"] = caseId
        container["revision"] = revision
        container["form"] = form
        container["createdOn"] = createdOn.description
        container["createdBy"] = createdBy
    }
}

extension MaterialBlobRecord {
    /// Every column of its `materialBlob` row, as the `Encodable` encoding wrote it.
    public func encode(to container: inout PersistenceContainer) throws {
        container["sha256"] = sha256
        container["bytes"] = bytes
        container["content"] = content
        container["uploadedBy"] = uploadedBy
        container["createdAt"] = createdAt
    }
}

extension CaseMaterialRecord {
    /// Every column of its `caseMaterial` row, as the `Encodable` encoding wrote it.
    public func encode(to container: inout PersistenceContainer) throws {
        container["caseId"] = caseId
        container["kind"] = kind.rawValue
        container["title"] = title
        container["fileName"] = fileName
        container["sha256"] = sha256
        container["bytes"] = bytes
        container["addedOn"] = addedOn.description
    }
}

extension InboxRecord {
    /// Every column of its `inbox` row, as the `Encodable` encoding wrote it.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["sender"] = sender
        container["receivedAt"] = receivedAt
        container["result"] = result
        container["caseId"] = caseId
        container["sequence"] = sequence
        container["type"] = type?.rawValue
        container["chainHead"] = chainHead
        container["frame"] = frame
        container["signature"] = signature
    }
}

extension EventRecord {
    /// Every column of its `event` row, as the `Encodable` encoding wrote it.
    public func encode(to container: inout PersistenceContainer) throws {
        container["seq"] = seq
        container["caseId"] = caseId
        container["actor"] = actor
        container["action"] = action
        container["at"] = at
        container["payloadDigest"] = payloadDigest
        container["payload"] = payload
        container["previousHash"] = previousHash
        container["hash"] = hash
    }
}

// Hand-written row decodings for the records a ledger page reads by the hundred (50 cases and
// their materials per page): GRDB's `Decodable` path was about 15 % of a node's samples while
// it served ledger pages of 100,000 cases. Each reads what the encodings above write;
// `RecordContainerTests` round-trips every property (all set, and all nil) through a row.

/// A column read from a row: the value, or the corrupt-row error naming the table and column.
private struct RowReader {
    let row: Row
    let table: String

    func required<Value: DatabaseValueConvertible>(_ column: String, _ type: Value.Type = Value.self) throws -> Value {
        guard let value = try row.decode(Value?.self, forColumn: column) else { throw corrupt(column, "is NULL") }
        return value
    }

    func optional<Value: DatabaseValueConvertible>(_ column: String, _ type: Value.Type = Value.self) throws -> Value? {
        try row.decode(Value?.self, forColumn: column)
    }

    /// A `CivilDate` stored as its `YYYY-MM-DD` text.
    func date(_ column: String) throws -> CivilDate {
        guard let date = try civilDate(column) else { throw corrupt(column, "is NULL") }
        return date
    }

    func civilDate(_ column: String) throws -> CivilDate? {
        guard let text = try optional(column, String.self) else { return nil }
        guard let date = CivilDate(text) else { throw corrupt(column, "'\(text.prefix(20))' is not a date") }
        return date
    }

    /// An enum stored as its raw value.
    func value<Value: RawRepresentable>(_ column: String, _ type: Value.Type = Value.self) throws -> Value where Value.RawValue == String {
        let text = try required(column, String.self)
        guard let value = Value(rawValue: text) else { throw corrupt(column, "'\(text.prefix(40))' is not a \(Value.self)") }
        return value
    }

    func corrupt(_ column: String, _ problem: String) -> StoreError {
        StoreError(.corrupt, "\(table).\(column) \(problem)")
    }
}

extension CaseRecord {
    /// A `reviewCase` row as ``encode(to:)`` wrote it.
    /// - Throws: `StoreError(.corrupt)` naming the column when a value is missing or unreadable;
    ///   `DecodingError` when the clock stops are not their JSON.
    public init(row: Row) throws {
        let read = RowReader(row: row, table: Self.databaseTableName)
        let stops = try read.required("clockStops", String.self)
        self.init(id: try read.required("id"), kind: try read.value("kind"), level: try read.value("level"), state: try read.value("state"),
                  title: try read.required("title"), documentNumber: try read.optional("documentNumber"), draftingUnit: try read.required("draftingUnit"),
                  divisionCode: try read.required("divisionCode"), originNode: try read.required("originNode"), submittedBy: try read.optional("submittedBy"),
                  submittedOn: try read.date("submittedOn"), acceptedOn: try read.civilDate("acceptedOn"),
                  clockStops: try Self.databaseJSONDecoder(for: "clockStops").decode([ReviewClock.Stop].self, from: Data(stops.utf8)),
                  clockLimit: try read.required("clockLimit"), dueOn: try read.civilDate("dueOn"), effectiveDate: try read.civilDate("effectiveDate"),
                  lateApplication: try read.required("lateApplication"), currentRevision: try read.required("currentRevision"),
                  materialsDueOn: try read.civilDate("materialsDueOn"), preliminaryConclusion: try read.optional("preliminaryConclusion"),
                  opinionIssuedOn: try read.civilDate("opinionIssuedOn"), revisionDueOn: try read.civilDate("revisionDueOn"),
                  revisedOn: try read.civilDate("revisedOn"), disagreement: try read.optional("disagreement"), coordination: try read.optional("coordination"),
                  launchDate: try read.civilDate("launchDate"), launchConfirmedOn: try read.civilDate("launchConfirmedOn"),
                  createdAt: try read.required("createdAt"), updatedAt: try read.required("updatedAt"))
        originalCaseId = try read.optional("originalCaseId")
        forwardedOn = try read.civilDate("forwardedOn")
        cityCaseNumber = try read.optional("cityCaseNumber")
        cityReceivedOn = try read.civilDate("cityReceivedOn")
        countyWorkdays = try read.optional("countyWorkdays")
        cityWorkdays = try read.optional("cityWorkdays")
    }
}

extension CaseMaterialRecord {
    /// A `caseMaterial` row as ``encode(to:)`` wrote it.
    /// - Throws: `StoreError(.corrupt)` naming the column when a value is missing or unreadable.
    public init(row: Row) throws {
        let read = RowReader(row: row, table: Self.databaseTableName)
        self.init(caseId: try read.required("caseId"), kind: try read.value("kind"), title: try read.optional("title"), fileName: try read.optional("fileName"),
                  sha256: try read.required("sha256"), bytes: try read.required("bytes"), addedOn: try read.date("addedOn"))
    }
}
