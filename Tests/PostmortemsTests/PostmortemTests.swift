import FirebreakTesting
import Foundation
import Incidents
import Postmortems
import Store
import Testing

/// A scripted incident, every write at an injected time, through the real engine, ingestor and store.
struct ScriptedIncident {
    let store: any Storage
    let start = Date(timeIntervalSince1970: 1_795_399_200)  // 2026-11-23 02:00:00 UTC

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    init() async throws {
        store = try SQLiteStore.inMemory()
        let engine = IncidentEngine()
        let ingestor = AlertIngestor(engine: engine, policy: AlertPolicy())
        let alert = Alert(
            source: "alertmanager", key: "fp-1", status: .firing, name: "OrdersDBDown",
            labels: ["service": "orders", "env": "prod"], summary: "orders-db | primary unreachable",
            url: "http://prometheus.example/graph?g0.expr=up")
        func ingest(_ alert: Alert, _ time: Date) async throws {
            try await store.ingest { tx in
                let snapshot = try tx.snapshot(incidentKey: "alertmanager:g|fp-1", alertKey: alert.key)
                let decision = ingestor.decide(
                    alert, incidentKey: "alertmanager:g|fp-1", severity: .p1, snapshot: snapshot,
                    newID: { (try? tx.nextIncidentID()) ?? "" }, at: time)
                try tx.store(decision, alert: alert, severity: .p1, at: time, requestID: nil)
            }
        }
        let start = self.start
        @Sendable func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }
        try await ingest(alert, at(0))
        for repeat_ in 1...3 { try await ingest(alert, at(Double(repeat_) * 30)) }
        // Nobody acknowledged within 15 minutes: level 1 of the escalation fires.
        let due = try await store.incident(id: "INC-1").escalation!.dueAt
        #expect(due == at(900))
        _ = try await store.updateIncident(id: "INC-1", at: due) { try engine.escalate($0, at: due) }
        _ = try await store.updateIncident(id: "INC-1", at: at(1000)) {
            try engine.apply(.acknowledge, to: $0, by: "alice", at: at(1000))
        }
        _ = try await store.updateIncident(id: "INC-1", at: at(1200)) {
            try engine.apply(.changeSeverity(.p0), to: $0, by: "alice", at: at(1200))
        }
        // A run whose step failed once, then succeeded on its second attempt.
        let run = try await store.createRun(
            RunRecord(
                runbookID: "database-restore", runbookPath: "runbooks/database-restore.md", title: "Restore",
                source: "", status: .running, mode: "automatic", params: "{}", incidentID: "INC-1", startedAt: at(1300)),
            steps: [StepRecord(runID: 0, index: 0, name: "restore", kind: "shell")])
        let id = run.id!
        var finished = run
        finished.status = .succeeded
        finished.finishedAt = at(1390)
        try await store.commit(
            run: finished,
            steps: [
                StepRecord(
                    runID: id, index: 0, name: "restore", kind: "shell", status: .succeeded, attempts: 2, exitCode: 0,
                    startedAt: at(1300), finishedAt: at(1390), durationMs: 90_000)
            ],
            attempts: [
                AttemptRecord(
                    runID: id, stepIndex: 0, number: 1, status: .failed, exitCode: 1, startedAt: at(1300),
                    finishedAt: at(1330), durationMs: 30_000, output: "connecting\nerror: replica lagging\n"),
                AttemptRecord(
                    runID: id, stepIndex: 0, number: 2, status: .succeeded, exitCode: 0, startedAt: at(1360),
                    finishedAt: at(1390), durationMs: 30_000, output: "restored 1204 rows\ntoken=[REDACTED]\n"),
            ],
            incidentID: "INC-1",
            incidentEvents: [
                TimelineEntry(
                    kind: .runStarted, actor: "firebreak", at: at(1300),
                    details: ["run": "RUN-1", "runbook": "database-restore"]),
                TimelineEntry(
                    kind: .stepFinished, actor: "firebreak", at: at(1390),
                    details: [
                        "run": "RUN-1", "runbook": "database-restore", "step": "restore", "status": "succeeded",
                        "exit": "0",
                    ]),
                TimelineEntry(
                    kind: .run("succeeded"), actor: "firebreak", at: at(1390),
                    details: ["run": "RUN-1", "runbook": "database-restore"]),
            ], claim: nil)
        _ = try await store.updateIncident(id: "INC-1", at: at(1400)) {
            try engine.apply(.addNote("failed over to the replica"), to: $0, by: "bob", at: at(1400))
        }
        _ = try await store.updateIncident(id: "INC-1", at: at(1500)) {
            try engine.apply(.mitigate, to: $0, by: "alice", at: at(1500))
        }
        var resolved = alert
        resolved.status = .resolved
        try await ingest(resolved, at(1800))
        // Deliveries: the first notification went out, the second died.
        let claimed = try await store.claimDueNotifications(
            at: .distantFuture, owner: .process, lease: 60, limit: 10)
        try await store.markNotificationSent(id: claimed[0].notification.id, at: at(5), claim: claimed[0].claim)
        if claimed.count > 1 {
            try await store.markNotificationFailed(
                id: claimed[1].notification.id, error: "POST https://hooks.example/x answered 500", retryAt: nil,
                claim: claimed[1].claim)
        }
        _ = try await store.addActionItem(
            ActionItem(
                incidentID: "INC-1", type: .prevent, owner: "bob", text: "Alert on replica lag | before failover",
                link: "https://tickets.example/OPS-1", createdAt: at(2000)))
    }
}

@Suite("post-mortems")
struct PostmortemTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Golden/incident.md")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the metrics of the scripted incident are exact")
    func metrics() async throws {
        let scripted = try await ScriptedIncident()
        let input = try await PostmortemInput.load(from: scripted.store, incidentID: "INC-1")
        let metrics = ResponseMetrics(input, now: scripted.at(99_999))
        #expect(metrics.triggeredAt == scripted.at(0))
        #expect(metrics.timeToAcknowledge == 1000)
        #expect(metrics.timeToMitigate == 1500)
        #expect(metrics.timeToResolve == 1800)
        #expect(metrics.timeInSeverity == [.p1: 1200, .p0: 600])
        #expect(metrics.highestSeverity == .p0)
        #expect(metrics.escalations == 1)
        #expect(metrics.runs == 1 && metrics.runsFailed == 0)
        #expect(metrics.notificationsSent == 1)
        #expect(metrics.notificationsFailed == (input.notifications.count > 1 ? 1 : 0))
    }

    @Test("the generated Markdown matches the golden file (FIREBREAK_UPDATE_GOLDEN=1 re-records it)")
    func goldenFile() async throws {
        let scripted = try await ScriptedIncident()
        let markdown = try await PostmortemGenerator(
            text: try String(
                contentsOf: Self.root.appendingPathComponent("templates/postmortem.md.mustache"), encoding: .utf8),
            source: "templates/postmortem.md.mustache"
        )
        .markdown(for: "INC-1", store: scripted.store, now: scripted.at(3600))
        if ProcessInfo.processInfo.environment["FIREBREAK_UPDATE_GOLDEN"] == "1" {
            try markdown.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(
            markdown == expected,
            "re-record with FIREBREAK_UPDATE_GOLDEN=1 swift test --filter goldenFile, then review the diff")
        // Facts the golden file must hold, so a bad re-recording is caught too.
        #expect(markdown.contains("| Time to acknowledge | 16m 40s |"))
        #expect(markdown.contains("| P1 | 20m |") && markdown.contains("| P0 | 10m |"))
        #expect(markdown.contains("Alert OrdersDBDown fired again (×3, last at 2026-11-23 02:01:30)"))
        #expect(markdown.contains("| restore | succeeded | 2 | 0 | 1m 30s |"))
        #expect(markdown.contains("token=[REDACTED]"))
        #expect(markdown.contains("Alert on replica lag \\| before failover"))
        #expect(markdown.contains("_TODO (owner)_"))
    }

    @Test("the built-in template is the shipped templates/postmortem.md.mustache")
    func builtInTemplate() async throws {
        let scripted = try await ScriptedIncident()
        let shipped = try String(
            contentsOf: Self.root.appendingPathComponent("templates/postmortem.md.mustache"), encoding: .utf8)
        let fromFile = try await PostmortemGenerator(text: shipped, source: "shipped").markdown(
            for: "INC-1", store: scripted.store, now: scripted.at(1))
        let directory = TemporaryDirectory()
        _ = FileManager.default.changeCurrentDirectoryPath(directory.path)
        let builtIn = try PostmortemGenerator(templatePath: nil)
        #expect(builtIn.templateSource == "the built-in template")
        await #expect(
            builtIn.markdown(try PostmortemInput.load(from: scripted.store, incidentID: "INC-1"), now: scripted.at(1))
                == fromFile)
    }

    @Test("HTML is a complete page with the headings and a table of contents")
    func html() async throws {
        let scripted = try await ScriptedIncident()
        let markdown = try await PostmortemGenerator(templatePath: nil).markdown(
            for: "INC-1", store: scripted.store, now: scripted.at(3600))
        let html = PostmortemGenerator.html(markdown: markdown, title: "Post-mortem: INC-1")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Post-mortem: INC-1</title>"))
        for heading in ["Summary", "Impact", "Response metrics", "Action items", "Timeline (UTC)"] {
            #expect(html.contains(">\(heading)</h"), "missing heading \(heading)")
            #expect(
                html.contains(
                    "<a href=\"#\(heading.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: ""))"
                ) || html.contains(">\(heading)</a>"),
                "missing table-of-contents entry \(heading)")
        }
        #expect(html.contains("<nav class=\"toc\">"))
        #expect(html.contains("<table"))
        #expect(html.components(separatedBy: "<table").count == html.components(separatedBy: "</table>").count)
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test("a custom template is used; a broken one names its line")
    func customTemplates() async throws {
        let scripted = try await ScriptedIncident()
        let custom = try PostmortemGenerator(
            text: "{{incident.id}} took {{metrics.ttr}}; {{#alerts}}{{name}}x{{fired}} {{/alerts}}\n",
            source: "short.mustache")
        await #expect(
            try custom.markdown(for: "INC-1", store: scripted.store, now: scripted.at(1))
                == "INC-1 took 30m; OrdersDBDownx4 \n")
        #expect {
            try PostmortemGenerator(
                text: "# {{incident.id}}\n\n{{#runs}}\n{{name}}\n{{/alerts}}\n", source: "broken.mustache")
        } throws: { error in
            let message = (error as? TemplateError)?.message ?? ""
            return message.hasPrefix("broken.mustache:5:") && message.contains("closed with a different name")
        }
        #expect {
            try PostmortemGenerator(templatePath: "/nonexistent/pm.mustache")
        } throws: { error in
            (error as? TemplateError)?.message.contains("no such template file") == true
        }
    }

    @Test("publishing is stored with its history, and it opens the close gate of a P1")
    func publishGate() async throws {
        let scripted = try await ScriptedIncident()
        let store = scripted.store
        let engine = IncidentEngine()
        #expect(try await store.incident(id: "INC-1").status == .resolved)
        await #expect {
            _ = try await store.updateIncident(id: "INC-1", at: scripted.at(4000)) {
                try engine.apply(.close, to: $0, by: "alice", at: scripted.at(4000))
            }
        } throws: { error in
            "\(error)".contains("needs a published post-mortem")
                && "\(error)".contains("firebreak postmortem publish INC-1")
        }
        let draft = try await PostmortemGenerator(templatePath: nil).markdown(
            for: "INC-1", store: store, now: scripted.at(4000))
        try await store.savePostmortem(
            incidentID: "INC-1", markdown: draft, status: .draft, by: "alice", at: scripted.at(4000))
        try await store.savePostmortem(
            incidentID: "INC-1", markdown: draft + "\nEdited.", status: .published, by: "alice", at: scripted.at(4100))
        let stored = try #require(try await store.postmortem(incidentID: "INC-1"))
        #expect(stored.status == .published)
        #expect(stored.markdown.hasSuffix("Edited."))
        #expect(stored.publishedAt == scripted.at(4100))
        #expect(try await store.postmortemHistory(incidentID: "INC-1").map(\.status) == [.draft, .published])
        // The store reads the publication inside the closing transaction; the caller says only "close".
        let closed = try await store.updateIncident(id: "INC-1", at: scripted.at(4200)) {
            try engine.apply(.close, to: $0, by: "alice", at: scripted.at(4200))
        }
        #expect(closed.incident.status == .closed)
        #expect(
            try await store.timeline(incidentID: "INC-1").map(\.kind.rawValue).suffix(3) == [
                "postmortem_draft", "postmortem_published", "closed",
            ])
    }
}
