import Foundation

extension Schedule {
    /// The resolved shifts in `[from, until)`: sorted, without overlaps, clipped to the window, with adjacent pieces
    /// of the same user and source merged. A gap (nobody on call) is absent.
    public func shifts(from: Date, until: Date, overrides: [Override] = []) -> [Shift] {
        guard from < until else { return [] }
        let layered = layers.map { segments(of: $0, from: from, until: until) }
        let covering = overrides.filter { $0.from < until && $0.until > from && $0.from < $0.until }
        var points: Set<Date> = [from, until]
        for segment in layered.joined() { points.formUnion([segment.from, segment.until]) }
        for override in covering { points.formUnion([max(from, override.from), min(until, override.until)]) }
        let sorted = points.filter { $0 >= from && $0 <= until }.sorted()
        var result: [Shift] = []
        // Each layer's segments are sorted and the points ascend: one cursor per layer walks them once.
        var cursors = [Int](repeating: 0, count: layered.count)
        for (start, end) in zip(sorted, sorted.dropFirst()) where start < end {
            guard let (user, source) = whoIs(at: start, layered: layered, cursors: &cursors, overrides: covering)
            else { continue }
            if var last = result.last, last.until == start, last.user == user, last.source == source {
                last.until = end
                result[result.count - 1] = last
            } else {
                result.append(Shift(user: user, from: start, until: end, source: source))
            }
        }
        return result
    }

    /// Who is on call at `time`, with the whole extent of their shift (looking up to 400 days either way); nil
    /// for nobody.
    public func onCall(at time: Date, overrides: [Override] = []) -> Shift? {
        var reach = max(14 * 86400, 2 * (layers.map(\.rotation.seconds).max() ?? 0))
        while true {
            let window = (time - reach, time + reach)
            let found = shifts(from: window.0, until: window.1, overrides: overrides).first {
                $0.from <= time && time < $0.until
            }
            guard let shift = found else { return nil }
            let clipped = shift.from == window.0 || shift.until == window.1
            if !clipped || reach >= 400 * 86400 { return shift }
            reach = min(reach * 4, 400 * 86400)
        }
    }

    /// Each layer's own shifts in the window, before layers and overrides are combined (a post-mortem's view of
    /// the schedule at the time).
    public func layerShifts(from: Date, until: Date) -> [(layer: String, shifts: [Shift])] {
        layers.map { layer in
            (layer.name, segments(of: layer, from: from, until: until))
        }
    }

    private func whoIs(at time: Date, layered: [[Shift]], cursors: inout [Int], overrides: [Override])
        -> (String, String)?
    {
        // The most recently created override wins where two overlap (ids grow with creation; without ids, the later
        // in the list).
        let covering = overrides.enumerated().filter { $0.element.from <= time && time < $0.element.until }
        if let override = covering.max(by: { ($0.element.id ?? -1, $0.offset) < ($1.element.id ?? -1, $1.offset) })?
            .element
        {
            return (override.user, "override")
        }
        for index in layered.indices.reversed() {
            let segments = layered[index]
            while cursors[index] < segments.count, segments[cursors[index]].until <= time { cursors[index] += 1 }
            if cursors[index] < segments.count, segments[cursors[index]].from <= time {
                let segment = segments[cursors[index]]
                return (segment.user, segment.source)
            }
        }
        return nil
    }

    /// A layer's turns in the window, cut to its restrictions.
    func segments(of layer: Layer, from: Date, until: Date) -> [Shift] {
        guard !layer.participants.isEmpty, layer.rotation.seconds > 0 else { return [] }
        var turns: [Shift] = []
        var index = max(0, Int(((from.timeIntervalSince(layer.start)) / layer.rotation.seconds).rounded(.down)) - 1)
        while let start = handoff(layer, index), start < until {
            guard let end = handoff(layer, index + 1) else { break }
            if end > from {
                let user = layer.participants[index % layer.participants.count]
                turns.append(Shift(user: user, from: max(start, from), until: min(end, until), source: layer.name))
            }
            index += 1
        }
        guard !layer.restrictions.isEmpty else { return turns }
        let windows = restrictionWindows(layer.restrictions, from: from, until: until)
        return turns.flatMap { turn in
            windows.compactMap { window -> Shift? in
                let start = max(turn.from, window.0)
                let end = min(turn.until, window.1)
                return start < end ? Shift(user: turn.user, from: start, until: end, source: turn.source) : nil
            }
        }
    }

    /// The start of turn `index`.
    func handoff(_ layer: Layer, _ index: Int) -> Date? {
        switch layer.rotation {
        case .days(let days):
            if let minutes = layer.handoffMinutes,
                let day = calendar.date(byAdding: .day, value: index * days, to: calendar.startOfDay(for: layer.start))
            {
                Layer.local(minutes: minutes, on: day, calendar)
            } else {
                calendar.date(byAdding: .day, value: index * days, to: layer.start)
            }
        case .fixed(let seconds): layer.start.addingTimeInterval(Double(index) * seconds)
        }
    }

    /// The restriction windows that touch `[from, until)`, merged where they meet or overlap.
    func restrictionWindows(_ restrictions: [Restriction], from: Date, until: Date) -> [(Date, Date)] {
        let calendar = self.calendar
        var windows: [(Date, Date)] = []
        var day = calendar.startOfDay(for: from.addingTimeInterval(-86400))
        while day < until {
            let weekday = (calendar.component(.weekday, from: day) + 5) % 7 + 1
            for restriction in restrictions where restriction.weekdays.isEmpty || restriction.weekdays.contains(weekday)
            {
                guard let open = Layer.local(minutes: restriction.from, on: day, calendar) else { continue }
                let closesNextDay = restriction.to <= restriction.from
                let closingDay = closesNextDay ? calendar.date(byAdding: .day, value: 1, to: day) ?? day : day
                guard let close = Layer.local(minutes: restriction.to, on: closingDay, calendar), open < close,
                    close > from, open < until
                else { continue }
                windows.append((open, close))
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        windows.sort { $0.0 < $1.0 }
        var merged: [(Date, Date)] = []
        for window in windows {
            if let last = merged.last, window.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, window.1)
            } else {
                merged.append(window)
            }
        }
        return merged
    }
}
