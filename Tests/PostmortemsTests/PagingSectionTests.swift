import Foundation
import Incidents
import Store
import Testing

@testable import Postmortems

@Suite("post-mortems: who was paged, the schedule at the time, and the roles")
struct PagingSectionTests {
    let t0 = Date(timeIntervalSince1970: 1_774_857_600)  // 2026-03-30 08:00:00 UTC

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    func input() -> PostmortemInput {
        var incident = Incident(id: "INC-4", title: "Checkout down", severity: .p1, triggeredAt: t0)
        incident.status = .acknowledged
        incident.acknowledgedAt = at(500)
        incident.commander = "bob"
        incident.communications = "carol"
        let events = [
            IncidentEvent(id: 1, kind: .opened, actor: "alertmanager", at: t0, details: ["severity": "P1"]),
            IncidentEvent(
                id: 2, kind: .paged, actor: "system", at: at(60),
                details: [
                    "user": "alice", "via": "schedule:primary", "level": "1", "methods": "email,command",
                    "on_call_from": "2026-03-30T07:00:00Z", "on_call_until": "2026-04-06T07:00:00Z",
                    "on_call_source": "weekly",
                ]),
            IncidentEvent(
                id: 3, kind: .pageFailed, actor: "system", at: at(90),
                details: ["user": "alice", "level": "1", "reason": "SMTP refused | twice"]),
            IncidentEvent(
                id: 4, kind: .pageSkipped, actor: "system", at: at(90),
                details: [
                    "target": "schedule:secondary", "level": "2", "reason": "nobody is on call in schedule 'secondary'",
                ]),
            IncidentEvent(
                id: 5, kind: .paged, actor: "system", at: at(90),
                details: ["user": "bob", "via": "user:bob", "level": "3", "methods": "webhook"]),
            IncidentEvent(id: 6, kind: .acknowledged, actor: "bob", at: at(500), details: [:]),
            IncidentEvent(
                id: 7, kind: .roleAssigned, actor: "bob", at: at(510),
                details: ["role": "communications", "to": "carol"]),
        ]
        return PostmortemInput(incident: incident, events: events)
    }

    @Test("each page is a row: level, via, methods, the shift, and the acknowledging person's time to acknowledge")
    func rows() {
        let rows = PostmortemContext.pages(input())
        #expect(rows.map { $0["person"] } == ["alice", "alice", "_nobody_", "bob"])
        #expect(rows[0]["on_call"] == "weekly, 2026-03-30 07:00:00 to 2026-04-06 07:00:00")
        #expect(rows[0]["acknowledged"] == "no")
        #expect(rows[1]["acknowledged"] == #"undeliverable: SMTP refused \| twice"#, "escaped for the table")
        #expect(rows[2]["acknowledged"] == "nobody is on call in schedule 'secondary'")
        #expect(rows[3]["acknowledged"] == "yes, after 6m 50s", "from bob's page at +90 s to his ack at +500 s")
        #expect(rows[3]["on_call"] == "-")
    }

    @Test("the default template shows the roles and the paging table")
    func rendered() throws {
        let markdown = try PostmortemGenerator(templatePath: nil).markdown(input(), now: at(1000))
        #expect(markdown.contains("| Communications | carol |"))
        #expect(markdown.contains("| Scribe | - |"))
        #expect(markdown.contains("| Person | Level | Via | Methods | Paged at (UTC) | On call | Acknowledged |"))
        #expect(
            markdown.contains(
                "| alice | 1 | schedule:primary | email,command | 2026-03-30 08:01:00 | weekly, 2026-03-30 07:00:00 to 2026-04-06 07:00:00 | no |"
            ))
        #expect(markdown.contains("| bob | 3 | user:bob | webhook | 2026-03-30 08:01:30 | - | yes, after 6m 50s |"))
        #expect(markdown.contains("carol took the communications role"), "the timeline reads as a sentence")
        #expect(!markdown.contains("No person was paged"))
    }
}
