import Foundation
import GRDB

extension SQLiteStore {
    public func claim(
        _ work: WorkItem, owner: ClaimOwner, lease: TimeInterval, at time: Date,
        takingOverFrom dead: (@Sendable (ClaimOwner) -> Bool)?
    ) async throws -> Claim? {
        try await write { db in try Self.claim(work, owner: owner, lease: lease, at: time, takingOverFrom: dead, db) }
    }

    public func renew(_ claim: Claim, lease: TimeInterval, at time: Date) async throws -> Claim {
        try await write { db in
            try Self.ensureHeld(claim, db)
            var renewed = claim
            renewed.expiresAt = time.addingTimeInterval(lease)
            try db.execute(
                sql: "UPDATE work_claims SET expires_at = ? WHERE kind = ? AND key = ?",
                arguments: [renewed.expiresAt.timeIntervalSince1970, claim.work.kind.name, claim.work.key])
            return renewed
        }
    }

    public func release(_ claim: Claim, completed: Bool) async throws {
        try await write { db in try Self.release(claim, completed: completed, db) }
    }

    public func currentClaim(on work: WorkItem) async throws -> Claim? {
        try await read { db in try Self.currentClaim(on: work, db) }
    }

    // MARK: - Inside a transaction

    /// The claim rules in one place: a free, released or expired item (or one whose holder `dead` recognises) is
    /// taken with the next token; the holder renews its own; a completed slot is never taken again.
    static func claim(
        _ work: WorkItem, owner: ClaimOwner, lease: TimeInterval, at time: Date,
        takingOverFrom dead: ((ClaimOwner) -> Bool)?, _ db: Database
    ) throws -> Claim? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT owner, token, expires_at, completed_at FROM work_claims WHERE kind = ? AND key = ?"),
            arguments: [work.kind.name, work.key])
        if work.kind == .slot { try pruneCompletedSlots(before: time, db) }
        var renewal: Int64?
        if let row {
            if (row["completed_at"] as Double?) != nil { return nil }
            let holder = (row["owner"] as String?).flatMap(ClaimOwner.init)
            let expires = Date(timeIntervalSince1970: row["expires_at"])
            if let holder, holder != owner, expires > time, !(dead?(holder) ?? false) { return nil }
            // The same owner keeps its token (a renewal); anyone else gets a new one, which fences the last.
            if holder == owner { renewal = row["token"] }
        }
        let token = try renewal ?? nextToken(db)
        let claim = Claim(work: work, owner: owner, token: token, expiresAt: time.addingTimeInterval(lease))
        try db.cachedStatement(
            sql: """
                INSERT INTO work_claims (kind, key, owner, token, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (kind, key) DO UPDATE SET
                    owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at
                """
        ).execute(arguments: [
            work.kind.name, work.key, owner.description, token, claim.expiresAt.timeIntervalSince1970,
        ])
        return claim
    }

    /// The next fencing token: one counter for every claim, so a token is never handed out twice, even after the
    /// claim's row was deleted on release.
    static func nextToken(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "UPDATE claim_tokens SET last = last + 1 WHERE id = 1 RETURNING last")) ?? 1
    }

    /// Refuses a claim on other work than the write is about: a caller's mix-up, never a race.
    static func ensureClaim(_ claim: Claim, isFor work: WorkItem) throws {
        guard claim.work == work else {
            throw StoreError(.conflict, "the claim on \(claim.work) cannot write \(work)")
        }
    }

    /// The fencing check: refuses a write whose claim is no longer the current one.
    static func ensureHeld(_ claim: Claim, _ db: Database) throws {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT owner, token, completed_at FROM work_claims WHERE kind = ? AND key = ?"),
            arguments: [claim.work.kind.name, claim.work.key])
        guard let row, (row["owner"] as String?) == claim.owner.description, (row["token"] as Int64) == claim.token,
            (row["completed_at"] as Double?) == nil
        else {
            let holder = row.flatMap { $0["owner"] as String? } ?? "nobody"
            throw StoreError(
                .claimLost,
                "the claim of \(claim.owner) on \(claim.work) (token \(claim.token)) was taken over by \(holder); this write was refused"
            )
        }
    }

    static func release(_ claim: Claim, completed: Bool, _ db: Database) throws {
        try ensureHeld(claim, db)
        if completed {
            // The row stays as the record that the slot ran; the owner is cleared so no renewal can revive it.
            try db.execute(
                sql: "UPDATE work_claims SET owner = NULL, completed_at = ? WHERE kind = ? AND key = ?",
                arguments: [claim.expiresAt.timeIntervalSince1970, claim.work.kind.name, claim.work.key])
        } else {
            // Gone: the next claimant draws a new token from the counter, so a stale holder stays refused.
            try db.cachedStatement(sql: "DELETE FROM work_claims WHERE kind = ? AND key = ?")
                .execute(arguments: [claim.work.kind.name, claim.work.key])
        }
    }

    /// Completed slots are kept a day: no schedule looks back that far (each asks for its next slot from now).
    static func pruneCompletedSlots(before time: Date, _ db: Database) throws {
        try db.execute(
            sql: "DELETE FROM work_claims WHERE kind = 'slot' AND completed_at < ?",
            arguments: [time.addingTimeInterval(-86_400).timeIntervalSince1970])
    }

    static func currentClaim(on work: WorkItem, _ db: Database) throws -> Claim? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT owner, token, expires_at FROM work_claims WHERE kind = ? AND key = ?",
                arguments: [work.kind.name, work.key]),
            let owner = (row["owner"] as String?).flatMap(ClaimOwner.init)
        else { return nil }
        return Claim(
            work: work, owner: owner, token: row["token"], expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
    }
}
