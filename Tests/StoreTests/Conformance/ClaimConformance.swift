import Foundation
import Store
import Testing

/// ``ClaimStorage``: the claim rules, one test each (races and due work are in ``ClaimConcurrencyConformance``,
/// refused late writes in ``ClaimFencingConformance``).
@Suite("Conformance: claims")
struct ClaimConformance {
    static let a = Given.owner("a")
    static let b = Given.owner("b")
    static let c = Given.owner("c")
    static let work = WorkItem.run(7)

    @Test("a free item is claimed for the lease; currentClaim returns the claim", arguments: Engine.allCases)
    func claimFree(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.currentClaim(on: Self.work) == nil)
        let claim = try #require(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0))
        #expect(claim.work == Self.work)
        #expect(claim.owner == Self.a)
        #expect(claim.expiresAt == t0.plus(30))
        #expect(claim.token >= 1)
        #expect(try await store.currentClaim(on: Self.work) == claim)
        #expect(try await store.currentClaim(on: .run(8)) == nil, "claims are per work item")
        #expect(try await store.claim(.run(8), owner: Self.b, lease: 30, at: t0) != nil)
        #expect(try await store.currentClaim(on: WorkItem(.notification, key: "7")) == nil, "and per kind")
    }

    @Test(
        "an unexpired claim is refused to another owner; its holder renews it with the same token",
        arguments: Engine.allCases)
    func unexpired(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let claim = try #require(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0))
        #expect(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(29)) == nil)
        #expect(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(29), takingOverFrom: nil) == nil)
        #expect(try await store.currentClaim(on: Self.work) == claim)

        let again = try #require(try await store.claim(Self.work, owner: Self.a, lease: 60, at: t0.plus(20)))
        #expect(again.token == claim.token)
        #expect(again.owner == Self.a)
        #expect(again.expiresAt == t0.plus(80))
        let renewed = try await store.renew(again, lease: 100, at: t0.plus(50))
        #expect(renewed.token == claim.token)
        #expect(renewed.expiresAt == t0.plus(150))
        #expect(renewed.work == Self.work)
        #expect(try await store.currentClaim(on: Self.work) == renewed)
        #expect(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(149)) == nil)
    }

    @Test(
        "an expired claim is taken over with a greater token; the old holder's renew and release are refused",
        arguments: Engine.allCases)
    func expired(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let first = try #require(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0))
        #expect(try await store.currentClaim(on: Self.work) == first, "an expired claim is still current")
        let taken = try #require(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(31)))
        #expect(taken.owner == Self.b)
        #expect(taken.token > first.token)
        #expect(taken.expiresAt == t0.plus(61))
        await expectStoreError(.claimLost) { try await store.renew(first, lease: 30, at: t0.plus(32)) }
        await expectStoreError(.claimLost) { try await store.release(first) }
        await expectStoreError(.claimLost) { try await store.release(first, completed: true) }
        #expect(try await store.currentClaim(on: Self.work) == taken, "refused writes change nothing")
        #expect(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0.plus(33)) == nil)

        let third = try #require(try await store.claim(Self.work, owner: Self.c, lease: 30, at: t0.plus(100)))
        #expect(third.token > taken.token)
    }

    @Test("takingOverFrom takes an unexpired claim only from an owner it says is dead", arguments: Engine.allCases)
    func takeOverFromDead(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let a = Self.a
        let held = try #require(try await store.claim(Self.work, owner: a, lease: 300, at: t0))
        #expect(
            try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(1), takingOverFrom: { _ in false })
                == nil)
        #expect(
            try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(1), takingOverFrom: { $0 != a })
                == nil, "the predicate is asked about the holder")
        #expect(try await store.currentClaim(on: Self.work) == held)
        let taken = try #require(
            try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(2), takingOverFrom: { $0 == a }))
        #expect(taken.owner == Self.b)
        #expect(taken.token > held.token)
        #expect(taken.expiresAt == t0.plus(32))
        #expect(
            try await store.claim(Self.work, owner: Self.c, lease: 30, at: t0.plus(3), takingOverFrom: { $0 == a })
                == nil, "b holds it now, and b is alive")
        await expectStoreError(.claimLost) { try await store.renew(held, lease: 30, at: t0.plus(4)) }
    }

    @Test("a released claim can be taken at once; a spent claim cannot be released again", arguments: Engine.allCases)
    func released(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let held = try #require(try await store.claim(Self.work, owner: Self.a, lease: 300, at: t0))
        try await store.release(held)
        #expect(try await store.currentClaim(on: Self.work) == nil)
        await expectStoreError(.claimLost) { try await store.release(held) }
        await expectStoreError(.claimLost) { try await store.renew(held, lease: 30, at: t0.plus(2)) }
        let next = try #require(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(1)))
        #expect(next.owner == Self.b)
        try await store.release(next, completed: false)
        #expect(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0.plus(2)) != nil)
    }

    @Test("the token grows with every new owner, also after a release", arguments: Engine.allCases)
    func tokenGrows(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let first = try #require(try await store.claim(Self.work, owner: Self.a, lease: 30, at: t0))
        try await store.release(first)
        let second = try #require(try await store.claim(Self.work, owner: Self.b, lease: 30, at: t0.plus(1)))
        try await expecting(.tokenRestartsAfterRelease, on: engine) {
            #expect(second.token > first.token)
        }
    }

    @Test("a completed slot is never claimed again, by anyone", arguments: Engine.allCases)
    func completedSlot(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let slot = WorkItem.slot("nightly-backup", at: t0)
        let claim = try #require(try await store.claim(slot, owner: Self.a, lease: 60, at: t0))
        #expect(claim.work == WorkItem(.slot, key: "nightly-backup@1800000000"))
        try await store.release(claim, completed: true)
        #expect(try await store.currentClaim(on: slot) == nil)
        #expect(try await store.claim(slot, owner: Self.a, lease: 60, at: t0.plus(1)) == nil)
        #expect(try await store.claim(slot, owner: Self.b, lease: 60, at: t0.plus(3_600)) == nil)
        #expect(
            try await store.claim(slot, owner: Self.b, lease: 60, at: t0.plus(86_400), takingOverFrom: { _ in true })
                == nil)
        await expectStoreError(.claimLost) { try await store.renew(claim, lease: 60, at: t0.plus(2)) }
        await expectStoreError(.claimLost) { try await store.release(claim) }
        let next = WorkItem.slot("nightly-backup", at: t0.plus(86_400))
        #expect(try await store.claim(next, owner: Self.b, lease: 60, at: t0.plus(86_400)) != nil)
    }

    @Test("a slot released without completing can run again", arguments: Engine.allCases)
    func uncompletedSlot(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let slot = WorkItem.slot("canary", at: t0)
        let claim = try #require(try await store.claim(slot, owner: Self.a, lease: 60, at: t0))
        try await store.release(claim, completed: false)
        let again = try #require(try await store.claim(slot, owner: Self.b, lease: 60, at: t0.plus(1)))
        #expect(again.owner == Self.b)
        #expect(try await store.currentClaim(on: slot) == again)
    }
}
