import Foundation
import GRDB

extension SessionRecord {
    init(row: Row) {
        self.init(
            id: row["id"], prefix: row["prefix"], hash: row["hash"], user: row["user"], tokenName: row["token_name"],
            role: TokenRole(rawValue: row["role"]) ?? .viewer, csrf: row["csrf"], method: row["method"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension SignInLinkRecord {
    init(row: Row) {
        self.init(
            id: row["id"], prefix: row["prefix"], hash: row["hash"], user: row["user"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            usedAt: (row["used_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

extension SQLiteStore {
    public func createSession(_ session: SessionRecord) async throws -> SessionRecord {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO console_sessions
                        (prefix, hash, user, token_name, role, csrf, method, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.prefix, session.hash, session.user, session.tokenName, session.role.rawValue,
                    session.csrf, session.method, session.createdAt.timeIntervalSince1970,
                    session.expiresAt.timeIntervalSince1970,
                ])
            var stored = session
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func sessions(prefix: String) async throws -> [SessionRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM console_sessions WHERE prefix = ?", arguments: [prefix])
                .map(SessionRecord.init(row:))
        }
    }

    public func liveSessions(at time: Date) async throws -> [SessionRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM console_sessions WHERE revoked_at IS NULL AND expires_at > ?
                    ORDER BY created_at DESC, id DESC
                    """, arguments: [time.timeIntervalSince1970]
            )
            .map(SessionRecord.init(row:))
        }
    }

    public func revokeSession(id: Int64, at time: Date) async throws -> SessionRecord {
        try await write { db in
            try db.execute(
                sql: "UPDATE console_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [time.timeIntervalSince1970, id])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM console_sessions WHERE id = ?", arguments: [id])
            else {
                throw StoreError(.notFound, "no session \(id)", entity: .session)
            }
            return SessionRecord(row: row)
        }
    }

    public func revokeSessions(user: String, at time: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE console_sessions SET revoked_at = ? WHERE user = ? AND revoked_at IS NULL",
                arguments: [time.timeIntervalSince1970, user])
            return db.changesCount
        }
    }

    public func createSignInLink(_ link: SignInLinkRecord) async throws -> SignInLinkRecord {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO sign_in_links (prefix, hash, user, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    link.prefix, link.hash, link.user, link.createdAt.timeIntervalSince1970,
                    link.expiresAt.timeIntervalSince1970,
                ])
            var stored = link
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func signInLinks(prefix: String) async throws -> [SignInLinkRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sign_in_links WHERE prefix = ?", arguments: [prefix])
                .map(SignInLinkRecord.init(row:))
        }
    }

    public func useSignInLink(id: Int64, at time: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE sign_in_links SET used_at = ? WHERE id = ? AND used_at IS NULL",
                arguments: [time.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }
}
