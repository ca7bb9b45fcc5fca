import Config
import Foundation
import Incidents
import OnCall
import Store

/// Who is on call and whom a page reaches: the configured users and schedules with the overrides in the store.
public struct OnCallDirectory: Sendable {
    public let users: [String: User]
    public let schedules: [String: Schedule]
    let store: any Storage

    public init(config: FirebreakConfig, store: any Storage) {
        users = config.users
        schedules = config.schedules
        self.store = store
    }

    /// The schedule by name.
    /// - Throws: ``APIError`` 404 naming the schedules there are.
    func schedule(_ name: String) throws -> Schedule {
        guard let schedule = schedules[name] else {
            let known = schedules.keys.sorted()
            throw APIError(
                .notFound, "not_found",
                "no schedule '\(name)'; \(known.isEmpty ? "none is configured under schedules: in firebreak.yml" : "there are \(known.joined(separator: ", "))")"
            )
        }
        return schedule
    }

    /// The overrides of a schedule that overlap a window, as the model takes them.
    func overrides(_ schedule: String, from: Date, until: Date) async throws -> [Override] {
        try await store.overrides(schedule: schedule, from: from, until: until).map {
            Override(
                id: $0.id, user: $0.user, from: $0.from, until: $0.until, createdBy: $0.createdBy, reason: $0.reason)
        }
    }

    /// Who is on call in `schedule` at `time`, with the whole extent of their shift; nil for nobody.
    public func onCall(_ schedule: Schedule, at time: Date) async throws -> Shift? {
        // Overrides near the time bound the shift's extent; the model looks at most this far either way.
        let reach: TimeInterval = 400 * 86400
        let overrides = try await overrides(schedule.name, from: time - reach, until: time + reach)
        return schedule.onCall(at: time, overrides: overrides)
    }

    /// Who is on call at `time` and who comes next (the first shift starting after the current one, or after the
    /// gap, within 8 weeks).
    public func onCallAndNext(_ schedule: Schedule, at time: Date) async throws -> (now: Shift?, next: Shift?) {
        let now = try await onCall(schedule, at: time)
        let after = now?.until ?? time
        let next = try await shifts(schedule, from: after, until: after + 56 * 86400).first { $0.from >= after }
        return (now, next)
    }

    /// The shifts of `schedule` in `[from, until)`.
    public func shifts(_ schedule: Schedule, from: Date, until: Date) async throws -> [Shift] {
        schedule.shifts(
            from: from, until: until, overrides: try await overrides(schedule.name, from: from, until: until))
    }

    /// Whom a page target reaches at `time`: the user, or whoever is on call; each with their contact methods.
    public func recipients(_ target: PageTarget, at time: Date) async throws -> [Recipient] {
        let handle: String
        var shift: (from: Date, until: Date, source: String)?
        switch target {
        case .user(let user): handle = user
        case .schedule(let name):
            guard let schedule = schedules[name], let found = try await onCall(schedule, at: time) else { return [] }
            handle = found.user
            shift = (found.from, found.until, found.source)
        }
        guard let user = users[handle] else { return [Recipient(user: handle, methods: [], shift: shift)] }
        return [Recipient(user: handle, methods: user.contacts.map(\.id), shift: shift)]
    }

    /// The roster an escalation level needs: each person target it names, resolved at `time`.
    public func roster(for notify: [String], at time: Date) async throws -> [String: [Recipient]] {
        var roster: [String: [Recipient]] = [:]
        for item in notify {
            guard let target = PageTarget(item) else { continue }
            roster[item] = try await recipients(target, at: time)
        }
        return roster
    }
}
