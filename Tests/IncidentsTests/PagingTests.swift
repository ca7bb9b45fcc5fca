import Foundation
import Incidents
import Testing

@Suite("escalation to people: user: and schedule: targets, gaps and undeliverable pages")
struct PagingTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let engine = IncidentEngine(
        policy: IncidentPolicy(
            severities: [.p1: SeverityPolicy(acknowledgeWithin: .zero, escalationPolicy: "people")],
            escalationPolicies: [
                "people": EscalationPolicy(
                    name: "people",
                    levels: [
                        .init(after: .seconds(60), notify: ["schedule:primary", "ops-chat"]),
                        .init(after: .seconds(300), notify: ["schedule:secondary"]),
                        .init(after: .seconds(600), notify: ["user:manager"]),
                    ], repeat: 0)
            ]))

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    func opened() -> Incident {
        engine.open(id: "INC-1", title: "Checkout down", severity: .p1, by: "alertmanager", at: t0).incident
    }

    static func entries(_ transition: Transition) -> [TimelineEntry] {
        transition.effects.compactMap { if case .record(let entry) = $0 { entry } else { nil } }
    }

    static func channels(_ transition: Transition) -> [String] {
        transition.effects.flatMap { effect -> [String] in
            if case .notify(let channels, _) = effect { channels } else { [] }
        }
    }

    @Test("a schedule target pages whoever the roster resolved, on each contact method, and says so on the timeline")
    func pagesPerson() throws {
        let roster = ["schedule:primary": [Recipient(user: "alice", methods: ["email", "command"])]]
        let fired = try engine.escalate(opened(), at: at(60), roster: roster)
        #expect(Self.channels(fired) == ["user:alice:email", "user:alice:command", "ops-chat"])
        let paged = Self.entries(fired).filter { $0.kind == .paged }
        #expect(paged.count == 1)
        #expect(
            paged.first?.details == [
                "user": "alice", "via": "schedule:primary", "level": "1", "methods": "email,command",
            ])
        #expect(Self.entries(fired).first { $0.kind == .escalated }?.details["paged"] == "alice")
        #expect(fired.incident.escalation?.dueAt == at(360), "level 2 waits its 300 s: someone was reached")
    }

    @Test("a gap in a schedule is nobody: skipped on the timeline, and the next level fires at once")
    func gapMovesOn() throws {
        let fired = try engine.escalate(
            opened(), at: at(60), roster: ["schedule:primary": [], "schedule:secondary": []])
        #expect(Self.channels(fired) == ["ops-chat"], "the channel is still told")
        #expect(fired.incident.escalation?.dueAt == at(360), "a channel was reached, so level 2 waits")

        let second = try engine.escalate(fired.incident, at: at(360), roster: ["schedule:secondary": []])
        let skipped = Self.entries(second).filter { $0.kind == .pageSkipped }
        #expect(
            skipped.map(\.details) == [
                ["target": "schedule:secondary", "level": "2", "reason": "nobody is on call in schedule 'secondary'"]
            ])
        #expect(Self.channels(second).isEmpty)
        #expect(second.incident.escalation?.dueAt == at(360), "nobody reached: level 3 is due at once")
        #expect(second.incident.escalation?.nextLevel == 2)

        let third = try engine.escalate(
            second.incident, at: at(360), roster: ["user:manager": [Recipient(user: "manager", methods: ["webhook"])]])
        #expect(Self.channels(third) == ["user:manager:webhook"])
        #expect(third.incident.escalation == nil, "repeat 0: the policy ends after its last level")
    }

    @Test("an unknown user, one without contact methods, and a target missing from the roster are each skipped")
    func unreachableUsers() throws {
        let levels = IncidentEngine(
            policy: IncidentPolicy(
                severities: [.p1: SeverityPolicy(acknowledgeWithin: .zero, escalationPolicy: "p")],
                escalationPolicies: [
                    "p": EscalationPolicy(
                        name: "p",
                        levels: [.init(after: .seconds(1), notify: ["user:ghost", "user:quiet", "schedule:x"])],
                        repeat: 0)
                ]))
        let incident = levels.open(id: "INC-2", title: "t", severity: .p1, by: "x", at: t0).incident
        let fired = try levels.escalate(
            incident, at: at(1), roster: ["user:quiet": [Recipient(user: "quiet", methods: [])]])
        #expect(
            Self.entries(fired).filter { $0.kind == .pageSkipped }.map { $0.details["reason"] } == [
                "user 'ghost' is not configured", "user 'quiet' has no contact methods",
                "nobody is on call in schedule 'x'",
            ])
        #expect(Self.channels(fired).isEmpty)
    }

    @Test("the same person named twice on a level is paged once")
    func pagedOnce() throws {
        let both = IncidentEngine(
            policy: IncidentPolicy(
                severities: [.p1: SeverityPolicy(acknowledgeWithin: .zero, escalationPolicy: "p")],
                escalationPolicies: [
                    "p": EscalationPolicy(
                        name: "p", levels: [.init(after: .seconds(1), notify: ["schedule:primary", "user:alice"])],
                        repeat: 0)
                ]))
        let incident = both.open(id: "INC-3", title: "t", severity: .p1, by: "x", at: t0).incident
        let alice = [Recipient(user: "alice", methods: ["email"])]
        let fired = try both.escalate(incident, at: at(1), roster: ["schedule:primary": alice, "user:alice": alice])
        #expect(Self.channels(fired) == ["user:alice:email"])
        #expect(Self.entries(fired).filter { $0.kind == .paged }.count == 1)
    }

    @Test("a page that cannot be delivered moves the escalation on at once, only for the level still waiting")
    func undeliverable() throws {
        let roster = ["schedule:primary": [Recipient(user: "alice", methods: ["email"])]]
        let fired = try engine.escalate(opened(), at: at(60), roster: roster).incident
        let failed = engine.pageUndeliverable(
            fired, user: "alice", level: 1, cycle: 1, reason: "SMTP refused", at: at(90))
        #expect(failed.incident.escalation?.dueAt == at(90))
        let entry = try #require(Self.entries(failed).first)
        #expect(entry.kind == .pageFailed)
        #expect(entry.details == ["user": "alice", "level": "1", "reason": "SMTP refused", "next": "level 2 at once"])

        // A late failure of a level that has been superseded changes nothing but the timeline.
        let late = engine.pageUndeliverable(fired, user: "alice", level: 2, cycle: 1, reason: "x", at: at(90))
        #expect(late.incident.escalation?.dueAt == at(360))
        #expect(Self.entries(late).first?.details["next"] == nil)
        // After acknowledgement nothing moves.
        let acknowledged = try engine.apply(.acknowledge, to: fired, by: "alice", at: at(70)).incident
        let after = engine.pageUndeliverable(acknowledged, user: "alice", level: 1, cycle: 1, reason: "x", at: at(90))
        #expect(after.incident.escalation == nil)
        #expect(Self.entries(after).map(\.kind) == [.pageFailed])
    }

    @Test("targets: user:NAME and schedule:NAME; anything else is a channel")
    func targets() {
        #expect(PageTarget("user:alice") == .user("alice"))
        #expect(PageTarget("schedule:primary") == .schedule("primary"))
        #expect(PageTarget("ops-chat") == nil)
        #expect(PageTarget("user:") == nil)
        #expect(PageTarget("user:alice:email") == nil)
        #expect(PageTarget("team:x") == nil)
        #expect(PageTarget.schedule("primary").description == "schedule:primary")
    }
}

@Suite("incident roles: commander, communications, scribe")
struct IncidentRoleTests {
    let engine = IncidentEngine()
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("a role is given, handed over and cleared, each on the timeline; a closed incident refuses")
    func roles() throws {
        var incident = engine.open(id: "INC-1", title: "t", severity: .p2, by: "x", at: t0).incident
        let given = try engine.apply(.assignRole(.communications, "bob"), to: incident, by: "alice", at: t0)
        incident = given.incident
        #expect(incident.communications == "bob")
        #expect(PagingTests.entries(given).map(\.details) == [["role": "communications", "to": "bob"]])
        let handed = try engine.apply(.assignRole(.commander, "carol"), to: incident, by: "alice", at: t0)
        #expect(handed.incident.commander == "carol")
        incident = handed.incident
        #expect(incident.roles.map(\.role) == [.commander, .communications])
        let cleared = try engine.apply(.assignRole(.communications, nil), to: incident, by: "alice", at: t0)
        #expect(cleared.incident.communications == nil)
        #expect(PagingTests.entries(cleared).first?.details == ["role": "communications", "from": "bob"])
        #expect(throws: IncidentError.self) {
            try engine.apply(.assignRole(.scribe, nil), to: incident, by: "a", at: t0)
        }
        #expect(throws: IncidentError.self) {
            try engine.apply(.assignRole(.commander, "carol"), to: incident, by: "a", at: t0)
        }
        #expect(throws: IncidentError.self) {
            try engine.apply(.assignRole(.scribe, "  "), to: incident, by: "a", at: t0)
        }
        var closed = incident
        closed.status = .closed
        #expect(throws: IncidentError.self) {
            try engine.apply(.assignRole(.scribe, "dan"), to: closed, by: "a", at: t0)
        }
    }
}

@Suite("escalation to people: edges a review found")
struct PagingEdgeTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func engine(_ levels: [EscalationPolicy.Level], repeat count: Int) -> IncidentEngine {
        IncidentEngine(
            policy: IncidentPolicy(
                severities: [.p1: SeverityPolicy(acknowledgeWithin: .zero, escalationPolicy: "p")],
                escalationPolicies: ["p": EscalationPolicy(name: "p", levels: levels, repeat: count)]))
    }

    @Test("a person paged by one target of a level is not a gap for the next target naming them")
    func noFalseSkip() throws {
        let both = engine([.init(after: .seconds(1), notify: ["schedule:primary", "user:alice"])], repeat: 0)
        let incident = both.open(id: "INC-1", title: "t", severity: .p1, by: "x", at: t0).incident
        let alice = [Recipient(user: "alice", methods: ["email"])]
        let fired = try both.escalate(
            incident, at: t0.addingTimeInterval(1), roster: ["schedule:primary": alice, "user:alice": alice])
        #expect(!PagingTests.entries(fired).contains { $0.kind == .pageSkipped })
    }

    @Test("a policy whose every level reaches nobody waits the minimum repeat before starting over")
    func emptyNightWaits() throws {
        let empty = engine(
            [
                .init(after: .zero, notify: ["schedule:primary"]),
                .init(after: .seconds(600), notify: ["schedule:secondary"]),
            ],
            repeat: 3)
        var incident = empty.open(id: "INC-1", title: "t", severity: .p1, by: "x", at: t0).incident
        incident = try empty.escalate(incident, at: t0, roster: [:]).incident
        #expect(incident.escalation?.dueAt == t0, "level 2 at once: level 1 reached nobody")
        incident = try empty.escalate(incident, at: t0, roster: [:]).incident
        #expect(incident.escalation?.nextLevel == 0)
        #expect(incident.escalation?.dueAt == t0.addingTimeInterval(600), "starting over waits, not at once")
    }
}
