import Foundation
import Store
import Testing

/// ``TokenStorage``: API tokens, stored hashed.
@Suite("Conformance: API tokens")
struct TokenConformance {
    static func token(_ name: String, prefix: String, at time: Date = t0) -> TokenRecord {
        TokenRecord(name: name, prefix: prefix, hash: Data((name + prefix).utf8.map { $0 ^ 0x5A }), createdAt: time)
    }

    @Test("createToken stores a token; tokens lists every one by name", arguments: Engine.allCases)
    func create(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.tokens().isEmpty)
        let ci = Self.token("ci", prefix: "fb_ab12", at: t0.plus(5))
        let alice = Self.token("alice", prefix: "fb_cd34")
        try await store.createToken(ci)
        try await store.createToken(alice)
        #expect(try await store.tokens() == [alice, ci])
    }

    @Test("a taken name is a conflict, even when its token was revoked", arguments: Engine.allCases)
    func duplicate(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await store.createToken(Self.token("ci", prefix: "fb_ab12"))
        await expectStoreError(.conflict) { try await store.createToken(Self.token("ci", prefix: "fb_zz99")) }
        try await store.revokeToken(name: "ci", at: t0.plus(1))
        await expectStoreError(.conflict) { try await store.createToken(Self.token("ci", prefix: "fb_zz99")) }
        #expect(try await store.tokens().map(\.prefix) == ["fb_ab12"])
    }

    @Test("tokens(prefix:) finds the tokens of a prefix, revoked or not", arguments: Engine.allCases)
    func byPrefix(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let a = Self.token("a", prefix: "fb_same")
        let b = Self.token("b", prefix: "fb_same")
        let c = Self.token("c", prefix: "fb_other")
        for token in [a, b, c] { try await store.createToken(token) }
        try await store.revokeToken(name: "b", at: t0.plus(9))
        let found = try await store.tokens(prefix: "fb_same").sorted { $0.name < $1.name }
        #expect(found.map(\.name) == ["a", "b"])
        #expect(found.first == a)
        #expect(found.last?.revokedAt == t0.plus(9))
        #expect(found.last?.hash == b.hash)
        #expect(try await store.tokens(prefix: "fb_other") == [c])
        #expect(try await store.tokens(prefix: "fb_").isEmpty, "a prefix matches whole")
    }

    @Test("revokeToken revokes once; unknown is notFound, twice is a conflict", arguments: Engine.allCases)
    func revoke(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await store.createToken(Self.token("ci", prefix: "fb_ab12"))
        try await store.createToken(Self.token("ops", prefix: "fb_ef56"))
        try await store.revokeToken(name: "ci", at: t0.plus(30))
        let tokens = try await store.tokens()
        #expect(tokens.map(\.name) == ["ci", "ops"])
        #expect(tokens.map(\.revokedAt) == [t0.plus(30), nil])
        await expectStoreError(.conflict) { try await store.revokeToken(name: "ci", at: t0.plus(40)) }
        #expect(try await store.tokens().first?.revokedAt == t0.plus(30))
        await expectStoreError(.notFound) { try await store.revokeToken(name: "nobody", at: t0) }
    }
}
