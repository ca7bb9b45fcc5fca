import Basics
import Foundation
import Incidents
import Yams

/// Reads `maintenance_windows:` and the matchers of silences: `{alertname, labels: {KEY: VALUE}, source, severity}`,
/// the keys of a runbook trigger, values exact or `~regex`.
enum MaintenanceReader {
    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> [MaintenanceWindow] {
        guard let items = node.sequence else {
            throw reader.fail(
                node, "'maintenance_windows' must be a list of {name, cron, duration, match}")
        }
        var windows: [MaintenanceWindow] = []
        for item in items {
            var fields: [String: Node] = [:]
            for (key, value) in try reader.mapping(
                item, at: "maintenance_windows", known: ["name", "cron", "duration", "match"])
            {
                fields[key] = value
            }
            guard let nameNode = fields["name"], let cronNode = fields["cron"], let durationNode = fields["duration"],
                let matchNode = fields["match"]
            else {
                throw reader.fail(item, "each maintenance window needs name, cron, duration and match")
            }
            let name = try reader.string(nameNode, at: "maintenance_windows.name")
            guard !windows.contains(where: { $0.name == name }) else {
                throw reader.fail(nameNode, "two maintenance windows are named '\(name)'")
            }
            let path = "maintenance_windows[\(name)]"
            let text = try reader.string(cronNode, at: "\(path).cron")
            let schedule: CronSchedule
            do {
                schedule = try CronSchedule(parsing: text)
            } catch {
                throw reader.fail(cronNode, "'\(path).cron': \(error.message)")
            }
            let duration = try reader.duration(durationNode, at: "\(path).duration")
            guard duration > .zero else { throw reader.fail(durationNode, "'\(path).duration' must be longer than 0s") }
            windows.append(
                MaintenanceWindow(
                    name: name, schedule: schedule, duration: duration,
                    matchers: try matchers(matchNode, at: "\(path).match", reader)))
        }
        return windows
    }

    /// A trigger-style matcher set; at least one key.
    static func matchers(_ node: Node, at path: String, _ reader: YAMLReader<ConfigError>) throws(ConfigError)
        -> Trigger
    {
        var trigger = Trigger()
        for (key, value) in try reader.mapping(node, at: path, known: ["alertname", "labels", "source", "severity"]) {
            switch key {
            case "alertname": trigger.alertname = Matcher(try reader.string(value, at: "\(path).alertname"))
            case "source": trigger.source = try reader.string(value, at: "\(path).source")
            case "severity":
                let text = try reader.string(value, at: "\(path).severity")
                guard let severity = Severity(parsing: text) else {
                    throw reader.fail(value, "'\(path).severity' must be one of P0, P1, P2, P3, not '\(text)'")
                }
                trigger.severity = severity
            default:
                for (label, matcher) in try reader.mapping(value, at: "\(path).labels", known: []) {
                    trigger.labels[label] = Matcher(try reader.string(matcher, at: "\(path).labels.\(label)"))
                }
            }
        }
        guard !trigger.flattened.isEmpty else {
            throw reader.fail(node, "'\(path)' matches every alert; name at least an alertname or a label")
        }
        if let problem = trigger.silenceProblem() { throw reader.fail(node, "'\(path)': \(problem)") }
        return trigger
    }
}
