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
