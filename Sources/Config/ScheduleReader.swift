import Basics
import Foundation
import OnCall
import Yams

/// Reads `schedules.<name>`: a time zone and layers of rotations.
enum ScheduleReader {
    static func read(name: String, _ node: Node, users: [String: User], _ reader: YAMLReader<ConfigError>)
        throws(ConfigError) -> Schedule
    {
        let path = "schedules.\(name)"
        var zone = TimeZone(identifier: "UTC")!
        var layerNodes: [Node] = []
        for (key, value) in try reader.mapping(node, at: path, known: ["time_zone", "layers"]) {
            if key == "time_zone" {
                let text = try reader.string(value, at: "\(path).time_zone")
                guard let parsed = TimeZone(identifier: text) else {
                    throw reader.fail(
                        value, "'\(path).time_zone' is not an IANA time zone such as Europe/Berlin: '\(text)'")
                }
                zone = parsed
            }
            if key == "layers" {
                guard let items = value.sequence, !items.isEmpty else {
                    throw reader.fail(value, "'\(path).layers' must be a non-empty list of layers")
                }
                layerNodes = Array(items)
            }
        }
        guard !layerNodes.isEmpty else { throw reader.fail(node, "schedule '\(name)' needs 'layers'") }
        var layers: [Layer] = []
        for (index, item) in layerNodes.enumerated() {
            layers.append(try layer(item, index: index, at: "\(path).layers", zone: zone, users: users, reader))
        }
        return Schedule(name: name, timeZone: zone, layers: layers)
    }

    private static func layer(
        _ node: Node, index: Int, at path: String, zone: TimeZone, users: [String: User],
        _ reader: YAMLReader<ConfigError>
    ) throws(ConfigError) -> Layer {
        var fields: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            node, at: path, known: ["name", "users", "rotation", "start", "handoff", "restrictions"])
        {
            fields[key] = value
        }
        let name =
            try fields["name"].map { node throws(ConfigError) in try reader.string(node, at: "\(path).name") }
            ?? "layer-\(index + 1)"
        let at = "\(path)[\(name)]"
        guard let usersNode = fields["users"] else {
            throw reader.fail(node, "layer '\(name)' needs 'users: [handle, …]'")
        }
        let participants = try reader.strings(usersNode, at: "\(at).users")
        guard !participants.isEmpty else { throw reader.fail(usersNode, "'\(at).users' is empty") }
        for handle in participants where users[handle] == nil {
            throw reader.fail(
                usersNode,
                "layer '\(name)' names user '\(handle)', who is not under users\(Suggestion.didYouMean(handle, in: users.keys.sorted()))"
            )
        }
        guard let rotationNode = fields["rotation"] else {
            throw reader.fail(node, "layer '\(name)' needs 'rotation', such as 1d or 1w")
        }
        let length = try reader.duration(rotationNode, at: "\(at).rotation")
        guard length.seconds >= 60 else { throw reader.fail(rotationNode, "'\(at).rotation' must be at least 1m") }
        guard let startNode = fields["start"] else {
            throw reader.fail(node, "layer '\(name)' needs 'start', the local date of the first handoff (2026-01-05)")
        }
        let startText = try reader.string(startNode, at: "\(at).start")
        let handoff =
            try fields["handoff"].map { node throws(ConfigError) in try reader.string(node, at: "\(at).handoff") }
            ?? "00:00"
        guard let start = Layer.start(localDate: startText, handoff: handoff, in: zone) else {
            throw reader.fail(
                startNode,
                "'\(at).start' must be a date like 2026-01-05 and 'handoff' a time like 09:00, not '\(startText)' '\(handoff)'"
            )
        }
        var restrictions: [Restriction] = []
        if let node = fields["restrictions"] {
            guard let items = node.sequence else {
                throw reader.fail(node, "'\(at).restrictions' must be a list of {days, from, to}")
            }
            for item in items { restrictions.append(try restriction(item, at: "\(at).restrictions", reader)) }
        }
        return Layer(
            name: name, participants: participants, rotation: Rotation(seconds: length.seconds), start: start,
            restrictions: restrictions, handoffMinutes: Restriction.minutes(handoff))
    }

    private static func restriction(_ node: Node, at path: String, _ reader: YAMLReader<ConfigError>)
        throws(ConfigError) -> Restriction
    {
        var weekdays: Set<Int> = []
        var from: Int?
        var to: Int?
        for (key, value) in try reader.mapping(node, at: path, known: ["days", "from", "to"]) {
            switch key {
            case "days":
                for day in try reader.strings(value, at: "\(path).days") {
                    guard let weekday = Restriction.weekday(day) else {
                        throw reader.fail(
                            value, "'\(path).days' has '\(day)'; write mon, tue, wed, thu, fri, sat or sun")
                    }
                    weekdays.insert(weekday)
                }
            default:
                let text = try reader.string(value, at: "\(path).\(key)")
                guard let minutes = Restriction.minutes(text) else {
                    throw reader.fail(value, "'\(path).\(key)' \"\(text)\" is not a time; write HH:MM")
                }
                if key == "from" { from = minutes } else { to = minutes }
            }
        }
        guard let from, let to else {
            throw reader.fail(node, "a restriction in '\(path)' needs 'from' and 'to' (HH:MM)")
        }
        guard from != to else {
            throw reader.fail(node, "a restriction in '\(path)' opens and closes at the same time")
        }
        return Restriction(weekdays: weekdays, from: from, to: to)
    }
}
