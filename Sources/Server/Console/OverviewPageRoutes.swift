import Foundation
import Hummingbird
import NIOCore
import Store
import WebConsole

/// The on-call page and the overview: open incidents, the month's response times, and the dead-letter queue.
struct OverviewPageRoutes {
    let console: ConsoleRoutes

    func register(on group: ConsoleGroup) {
        group.get("oncall", use: oncall)
        group.get("overview", use: overview)
        group.get("overview/chart.svg", use: chart)
        group.post("overview/dead-letters/replay", .admin, use: replayAll)
        group.post("overview/dead-letters/:id/replay", .admin, use: replayOne)
    }

    @Sendable func oncall(_ request: Request, context: FirebreakContext) async throws -> Response {
        let directory = console.directory
        let now = Date()
        var views: [OnCallPage.ScheduleView] = []
        for schedule in directory.schedules.values.sorted(by: { $0.name < $1.name }) {
            let (current, next) = try await directory.onCallAndNext(schedule, at: now)
            views.append(
                .init(
                    name: schedule.name, now: current, next: next,
                    shifts: try await directory.shifts(schedule, from: now, until: now + 7 * 86_400),
                    overrides: try await console.store.overrides(schedule: schedule.name, from: now, until: nil)))
        }
        var chrome = console.chrome("On call", context, topics: [.oncall])
        chrome.nav.oncall = true
        return console.page("oncall", OnCallPage(chrome: chrome, schedules: views))
    }

    func stats() async throws -> [ResponseStats] {
        let since = Date() - 30 * 86_400
        let incidents = try await console.store.incidents(status: nil, severity: nil, limit: 5_000, offset: 0)
        return ResponseStats.of(incidents, since: since)
    }

    @Sendable func overview(_ request: Request, context: FirebreakContext) async throws -> Response {
        var chrome = console.chrome("Overview", context, topics: [.incidents, .notifications])
        chrome.nav.overview = true
        if let count = request.uri.queryParameters["replayed"].flatMap({ Int(String($0)) }) {
            chrome.flash = "Re-queued \(count) notification(s); they are sent again now."
        }
        let page = OverviewPage(
            chrome: chrome, counts: try await console.store.incidentCounts(), stats: try await stats(),
            deadLetters: try await console.store.deadLetters(),
            canReplay: context.session?.role.allows(.admin) ?? false)
        return console.page("overview", page)
    }

    @Sendable func chart(_ request: Request, context: FirebreakContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: ResponseChart.svg(try await stats()))))
    }

    @Sendable func replayAll(_ request: Request, context: FirebreakContext) async throws -> Response {
        let replayed = try await console.store.replayDeadLetters(id: nil, at: Date())
        await console.record("POST /overview/dead-letters/replay", target: nil, result: "ok", context: context)
        return ConsolePage.redirect("/overview?replayed=\(replayed.count)")
    }

    @Sendable func replayOne(_ request: Request, context: FirebreakContext) async throws -> Response {
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else {
            throw APIError(.badRequest, "invalid_id", "'\(text)' is not a notification id.")
        }
        let replayed = try await console.store.replayDeadLetters(id: id, at: Date())
        await console.record("POST /overview/dead-letters/\(id)/replay", target: text, result: "ok", context: context)
        return ConsolePage.redirect("/overview?replayed=\(replayed.count)")
    }
}
