import Foundation
import Incidents
import Store
import Testing

/// ``OutboxStorage``: notification rows written with their transition, claimed, delivered, retried, dead-lettered.
@Suite("Conformance: the notification outbox")
struct OutboxConformance {
    /// Paging incidents announce on two channels.
    static let twoChannels = IncidentEngine(policy: IncidentPolicy(announce: ["log", "slack"]))
    static let deliverer = Given.owner("deliverer")

    /// Claims the one notification due at `time` (there must be exactly one).
    static func claimOne(_ store: any OutboxStorage, at time: Date) async throws -> ClaimedNotification {
        let claimed = try await store.claimDueNotifications(at: time, owner: deliverer, lease: 30, limit: 10)
        try #require(claimed.count == 1)
        return claimed[0]
    }

    @Test(
        "a transition's notify effect writes one pending row per channel, with its entry's details",
        arguments: Engine.allCases)
    func rows(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.nextNotificationDue() == nil)
        try await Given.incident(store, .p1, engine: Self.twoChannels)
        try await Given.incident(store, .p3, at: t0.plus(1), engine: Self.twoChannels)
        let rows = try await store.notifications(incidentID: "INC-1")
        #expect(rows.map(\.channel) == ["log", "slack"])
        #expect(rows.allSatisfy { $0.incidentID == "INC-1" && $0.event == "opened" && $0.status == .pending })
        #expect(rows.allSatisfy { $0.attempts == 0 && $0.lastError == nil && $0.sentAt == nil })
        #expect(rows.allSatisfy { $0.nextAttemptAt == t0 && $0.createdAt == t0 })
        #expect(rows.allSatisfy { $0.details == ["severity": "P1"] })
        #expect(rows[0].id < rows[1].id)
        #expect(try await store.notifications(incidentID: "INC-2").isEmpty)
        #expect(try await store.nextNotificationDue() == t0)
        #expect(try await store.notificationCounts()[.pending] == 2)
    }

    @Test(
        "claimDueNotifications hands out due rows oldest first, up to the limit, each with its claim",
        arguments: Engine.allCases)
    func claimDue(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p1, engine: Self.twoChannels)
        try await Given.incident(store, .p1, at: t0.plus(100), engine: Self.twoChannels)
        #expect(
            try await store.claimDueNotifications(at: t0.minus(1), owner: Self.deliverer, lease: 30, limit: 10).isEmpty)
        let first = try await store.claimDueNotifications(at: t0.plus(50), owner: Self.deliverer, lease: 30, limit: 1)
        #expect(first.map(\.notification.channel) == ["log"])
        #expect(first.map(\.notification.incidentID) == ["INC-1"])
        let claim = try #require(first.first?.claim)
        let id = try #require(first.first?.notification.id)
        #expect(claim.work == WorkItem(.notification, key: String(id)))
        #expect(claim.owner == Self.deliverer)
        #expect(claim.expiresAt == t0.plus(80))
        #expect(try await store.currentClaim(on: claim.work) == claim)
        let all = try await store.claimDueNotifications(at: t0.plus(100), owner: Self.deliverer, lease: 30, limit: 10)
        #expect(all.map(\.notification.incidentID) == ["INC-1", "INC-1", "INC-2", "INC-2"])
        #expect(all.map(\.notification.channel) == ["log", "slack", "log", "slack"])
        #expect(all.first?.claim.token == claim.token, "the holder renews its own claim")
        #expect(all.first?.claim.expiresAt == t0.plus(130))
    }

    @Test("markNotificationSent delivers the row and releases its claim", arguments: Engine.allCases)
    func sent(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let claimed = try await Self.claimOne(store, at: t0)
        try await store.markNotificationSent(id: claimed.notification.id, at: t0.plus(2), claim: claimed.claim)
        let row = try #require(try await store.notifications(incidentID: "INC-1").first)
        #expect(row.status == .sent)
        #expect(row.attempts == 1)
        #expect(row.sentAt == t0.plus(2))
        #expect(row.lastError == nil)
        #expect(try await store.currentClaim(on: claimed.claim.work) == nil)
        #expect(
            try await store.claimDueNotifications(at: t0.plus(9), owner: Self.deliverer, lease: 30, limit: 10).isEmpty)
        #expect(try await store.nextNotificationDue() == nil)
        #expect(try await store.notificationCounts()[.sent] == 1)
        #expect(try await store.notificationCounts()[.pending, default: 0] == 0)
        await expectStoreError(.claimLost, "a claim is spent once its outcome is written") {
            try await store.markNotificationFailed(
                id: claimed.notification.id, error: "late", retryAt: nil, claim: claimed.claim)
        }
        #expect(try await store.notifications(incidentID: "INC-1").first == row)
    }

    @Test(
        "markNotificationFailed with a retry time counts the attempt and makes the row due then",
        arguments: Engine.allCases)
    func failedRetry(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let claimed = try await Self.claimOne(store, at: t0)
        try await store.markNotificationFailed(
            id: claimed.notification.id, error: "HTTP 502", retryAt: t0.plus(60), claim: claimed.claim)
        let row = try #require(try await store.notifications(incidentID: "INC-1").first)
        #expect(row.status == .pending)
        #expect(row.attempts == 1)
        #expect(row.lastError == "HTTP 502")
        #expect(row.nextAttemptAt == t0.plus(60))
        #expect(try await store.nextNotificationDue() == t0.plus(60))
        #expect(try await store.currentClaim(on: claimed.claim.work) == nil)
        let other = Given.owner("other")
        #expect(try await store.claimDueNotifications(at: t0.plus(59), owner: other, lease: 30, limit: 10).isEmpty)
        let again = try await store.claimDueNotifications(at: t0.plus(60), owner: other, lease: 30, limit: 10)
        #expect(again.map(\.notification.id) == [claimed.notification.id])
        #expect(again.first?.notification.attempts == 1)
    }

    @Test("markNotificationFailed without a retry time makes a dead letter", arguments: Engine.allCases)
    func deadLetter(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        #expect(try await store.deadLetters().isEmpty)
        let claimed = try await Self.claimOne(store, at: t0)
        try await store.markNotificationFailed(
            id: claimed.notification.id, error: "HTTP 404", retryAt: nil, claim: claimed.claim)
        let dead = try await store.deadLetters()
        #expect(dead.map(\.id) == [claimed.notification.id])
        #expect(dead.first?.status == .dead)
        #expect(dead.first?.attempts == 1)
        #expect(dead.first?.lastError == "HTTP 404")
        #expect(try await store.nextNotificationDue() == nil)
        #expect(
            try await store.claimDueNotifications(at: t0.plus(999), owner: Self.deliverer, lease: 30, limit: 9).isEmpty)
        #expect(try await store.notificationCounts()[.dead] == 1)
        #expect(try await store.currentClaim(on: claimed.claim.work) == nil)
    }

    @Test("postponeNotification moves the next attempt without counting one", arguments: Engine.allCases)
    func postpone(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let claimed = try await Self.claimOne(store, at: t0)
        try await store.postponeNotification(id: claimed.notification.id, until: t0.plus(300), claim: claimed.claim)
        let row = try #require(try await store.notifications(incidentID: "INC-1").first)
        #expect(row.status == .pending)
        #expect(row.attempts == 0)
        #expect(row.lastError == nil)
        #expect(row.nextAttemptAt == t0.plus(300))
        #expect(try await store.nextNotificationDue() == t0.plus(300))
        #expect(try await store.currentClaim(on: claimed.claim.work) == nil)
        #expect(
            try await store.claimDueNotifications(at: t0.plus(299), owner: Self.deliverer, lease: 30, limit: 9).isEmpty)
    }

    @Test("replayDeadLetters re-queues one or all dead letters with a fresh count", arguments: Engine.allCases)
    func replay(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        for index in 0..<3 { try await Given.incident(store, at: t0.plus(Double(index))) }
        let claimed = try await store.claimDueNotifications(at: t0.plus(5), owner: Self.deliverer, lease: 30, limit: 10)
        try #require(claimed.count == 3)
        for item in claimed.prefix(2) {
            try await store.markNotificationFailed(
                id: item.notification.id, error: "gone", retryAt: nil, claim: item.claim)
        }
        let pendingID = claimed[2].notification.id
        let (first, second) = (claimed[0].notification.id, claimed[1].notification.id)

        await expectStoreError(.notFound, "a pending row is no dead letter") {
            try await store.replayDeadLetters(id: pendingID, at: t0.plus(10))
        }
        await expectStoreError(.notFound, "an unknown row") { try await store.replayDeadLetters(id: 9_999, at: t0) }
        let one = try await store.replayDeadLetters(id: second, at: t0.plus(10))
        #expect(one.map(\.id) == [second])
        #expect(try await store.deadLetters().map(\.id) == [first])
        let row = try #require(try await store.notifications(incidentID: "INC-2").first)
        #expect(row.status == .pending)
        #expect(row.attempts == 0)
        #expect(row.nextAttemptAt == t0.plus(10))

        let rest = try await store.replayDeadLetters(id: nil, at: t0.plus(20))
        #expect(rest.map(\.id) == [first])
        #expect(try await store.deadLetters().isEmpty)
        #expect(try await store.replayDeadLetters(id: nil, at: t0.plus(30)).isEmpty)
        #expect(try await store.notificationCounts()[.pending] == 3)
        #expect(try await store.notificationCounts()[.dead, default: 0] == 0)
        #expect(try await store.notifications(incidentID: "INC-1").first?.nextAttemptAt == t0.plus(20))
    }

    @Test("notificationCounts counts by status", arguments: Engine.allCases)
    func counts(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.notificationCounts().values.reduce(0, +) == 0)
        for index in 0..<4 { try await Given.incident(store, at: t0.plus(Double(index))) }
        let claimed = try await store.claimDueNotifications(at: t0.plus(5), owner: Self.deliverer, lease: 30, limit: 10)
        try #require(claimed.count == 4)
        try await store.markNotificationSent(id: claimed[0].notification.id, at: t0.plus(6), claim: claimed[0].claim)
        try await store.markNotificationSent(id: claimed[1].notification.id, at: t0.plus(6), claim: claimed[1].claim)
        try await store.markNotificationFailed(
            id: claimed[2].notification.id, error: "x", retryAt: nil, claim: claimed[2].claim)
        let counts = try await store.notificationCounts()
        #expect(counts[.sent] == 2)
        #expect(counts[.dead] == 1)
        #expect(counts[.pending] == 1)
        #expect(counts.values.reduce(0, +) == 4)
    }
}
