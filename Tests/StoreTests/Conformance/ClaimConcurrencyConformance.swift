import Foundation
import Incidents
import Store
import Testing

/// Claims under contention: of owners racing for one item exactly one wins, and due work is never handed to two
/// live owners.
@Suite("Conformance: claims under contention")
struct ClaimConcurrencyConformance {
    static let racers = (0..<16).map { Given.owner("racer-\($0)") }

    /// Every racer claims `work` at `time` at once; returns the claims they got.
    static func race(for work: WorkItem, in store: any ClaimStorage, at time: Date) async throws -> [Claim] {
        try await withThrowingTaskGroup(of: Claim?.self) { group in
            for owner in racers {
                group.addTask { try await store.claim(work, owner: owner, lease: 30, at: time) }
            }
            var won: [Claim] = []
            for try await claim in group { if let claim { won.append(claim) } }
            return won
        }
    }

    /// Runs `claim` for two owners at once; returns what each got.
    static func both<T: Sendable>(
        _ claim: @escaping @Sendable (ClaimOwner) async throws -> [T]
    ) async throws -> (first: [T], second: [T]) {
        async let first = claim(Given.owner("first"))
        async let second = claim(Given.owner("second"))
        return try await (first, second)
    }

    @Test("of 16 owners racing for a free item exactly one gets it", arguments: Engine.allCases)
    func raceFree(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let won = try await Self.race(for: .run(1), in: store, at: t0)
        #expect(won.count == 1)
        let winner = try #require(won.first)
        #expect(Self.racers.contains(winner.owner))
        #expect(try await store.currentClaim(on: .run(1)) == winner)
    }

    @Test("of 16 owners racing to take over an expired claim exactly one gets it", arguments: Engine.allCases)
    func raceExpired(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let old = try #require(try await store.claim(.run(1), owner: Given.owner("dead"), lease: 30, at: t0))
        let won = try await Self.race(for: .run(1), in: store, at: t0.plus(60))
        #expect(won.count == 1)
        let winner = try #require(won.first)
        #expect(winner.token > old.token)
        #expect(try await store.currentClaim(on: .run(1)) == winner)
    }

    @Test(
        "two owners claiming due notifications at once get disjoint sets that cover every due one",
        arguments: Engine.allCases)
    func disjointNotifications(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        for index in 0..<10 { try await Given.incident(store, at: t0.plus(Double(index))) }
        let due = Set(
            try await (1...10).asyncFlatMap { try await store.notifications(incidentID: "INC-\($0)") }.map(\.id))
        #expect(due.count == 10)
        let (first, second) = try await Self.both { owner in
            try await store.claimDueNotifications(at: t0.plus(60), owner: owner, lease: 30, limit: 5)
        }
        let firstIDs = Set(first.map(\.notification.id))
        let secondIDs = Set(second.map(\.notification.id))
        #expect(firstIDs.isDisjoint(with: secondIDs))
        #expect(firstIDs.union(secondIDs) == due)
        #expect(first.count == 5)
        #expect(second.count == 5)
        #expect(first.allSatisfy { $0.claim.owner == Given.owner("first") })
        #expect(second.allSatisfy { $0.claim.owner == Given.owner("second") })
    }

    @Test(
        "two owners claiming due escalations at once get disjoint sets that cover every due one",
        arguments: Engine.allCases)
    func disjointEscalations(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        for index in 0..<10 { try await Given.incident(store, .p0, at: t0.plus(Double(index))) }
        let due = Set((1...10).map { "INC-\($0)" })
        let (first, second) = try await Self.both { owner in
            try await store.claimDueEscalations(at: t0.plus(400), owner: owner, lease: 30, limit: 5)
        }
        let firstKeys = Set(first.map(\.work.key))
        let secondKeys = Set(second.map(\.work.key))
        #expect(firstKeys.isDisjoint(with: secondKeys))
        #expect(firstKeys.union(secondKeys) == due)
        #expect(first.count == 5)
        #expect(second.count == 5)
    }

    @Test("a third owner gets the due notifications the first two do not hold", arguments: Engine.allCases)
    func thirdOwnerNotifications(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        for index in 0..<6 { try await Given.incident(store, at: t0.plus(Double(index))) }
        var held: Set<Int64> = []
        for name in ["a", "b"] {
            let claimed = try await store.claimDueNotifications(
                at: t0.plus(60), owner: Given.owner(name), lease: 30, limit: 2)
            #expect(claimed.count == 2)
            held.formUnion(claimed.map(\.notification.id))
        }
        let third = try await store.claimDueNotifications(at: t0.plus(60), owner: Given.owner("c"), lease: 30, limit: 2)
        #expect(Set(third.map(\.notification.id)).isDisjoint(with: held))
        try await expecting(.claimScanStopsAtHeldRows, on: engine) {
            #expect(third.count == 2)
        }
    }

    @Test("a third owner gets the due escalations the first two do not hold", arguments: Engine.allCases)
    func thirdOwnerEscalations(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        for index in 0..<6 { try await Given.incident(store, .p0, at: t0.plus(Double(index))) }
        var held: Set<String> = []
        for name in ["a", "b"] {
            let claimed = try await store.claimDueEscalations(
                at: t0.plus(400), owner: Given.owner(name), lease: 30, limit: 2)
            #expect(claimed.count == 2)
            held.formUnion(claimed.map(\.work.key))
        }
        let third = try await store.claimDueEscalations(at: t0.plus(400), owner: Given.owner("c"), lease: 30, limit: 2)
        #expect(Set(third.map(\.work.key)).isDisjoint(with: held))
        try await expecting(.claimScanStopsAtHeldRows, on: engine) {
            #expect(third.map(\.work.key) == ["INC-5", "INC-6"])
        }
    }
}

extension Sequence where Element: Sendable {
    /// The elements `transform` returns for each element, in order, one at a time.
    func asyncFlatMap<T>(_ transform: (Element) async throws -> [T]) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result += try await transform(element) }
        return result
    }
}
