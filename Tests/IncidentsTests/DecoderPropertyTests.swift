import FirebreakTesting
import Foundation
import Incidents
import Testing

/// Every webhook decoder, the cron parser and the escalation engine's inputs, under mutated and random input: they
/// return a value or a documented error, never crash or hang.
@Suite("decoder properties under hostile input")
struct DecoderPropertyTests {
    static let samples: [String: String] = [
        "alertmanager":
            (try? String(
                contentsOf: Fixtures.directory.appendingPathComponent("alertmanager/firing.json"), encoding: .utf8))
            ?? "",
        "grafana":
            #"{"version":"1","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"CPU","severity":"warning"},"annotations":{"summary":"hot"},"fingerprint":"f","startsAt":"2026-11-20T14:03:07Z","generatorURL":"http://g/1"}]}"#,
        "generic":
            #"{"name":"DiskFull","key":"k","labels":{"host":"db1"},"annotations":{"runbook":"x"},"severity":"error","status":"firing","summary":"disk","url":"http://x"}"#,
        "pagerduty":
            #"{"routing_key":"r","event_action":"trigger","dedup_key":"d","payload":{"summary":"s","source":"src","severity":"critical","custom_details":{"a":1}},"links":[{"href":"http://x","text":"t"}]}"#,
        "sns":
            (try? String(
                contentsOf: Fixtures.directory.appendingPathComponent("sns/notification-alarm.json"), encoding: .utf8))
            ?? "",
    ]

    static func decode(_ source: String, _ body: Data) throws(AlertPayloadError) {
        switch source {
        case "alertmanager": _ = try AlertSources.alertmanager(body)
        case "grafana": _ = try AlertSources.grafana(body)
        case "generic": _ = try AlertSources.generic(body)
        case "pagerduty": _ = try PagerDutyEvent.decode(body, generateKey: { "generated" })
        default: _ = try SNSMessage.decode(body)
        }
    }

    @Test(
        "each decoder on its own sample decodes, and on mutations decodes or names the problem",
        arguments: ["alertmanager", "grafana", "generic", "pagerduty", "sns"])
    func mutatedPayloads(source: String) throws {
        let sample = try #require(Self.samples[source])
        #expect(!sample.isEmpty)
        #expect(throws: Never.self) { try Self.decode(source, Data(sample.utf8)) }
        var generator = SeededGenerator(seed: Fuzz.seed &+ UInt64(source.utf8.count))
        for iteration in 0..<Fuzz.iterations {
            let body = Data(Fuzz.mutate(sample, using: &generator).utf8)
            do {
                try Self.decode(source, body)
            } catch {
                #expect(!error.message.isEmpty, "seed \(Fuzz.seed) case \(iteration)")
            }
        }
    }

    @Test(
        "random bytes, deep nesting and huge numbers are errors, not crashes",
        arguments: ["alertmanager", "grafana", "generic", "pagerduty", "sns"])
    func randomPayloads(source: String) {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 7)
        var bodies = (0..<50).map { _ in
            Fuzz.bytes(length: Int.random(in: 0...512, using: &generator), using: &generator)
        }
        bodies.append(Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8))
        bodies.append(
            Data((String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_000)).utf8))
        bodies.append(Data(#"{"name":"x","labels":{"n":1e999999},"severity":99999999999999999999999}"#.utf8))
        bodies.append(Data(#"{"alerts":[{"labels":{"alertname":"\ud800"}}]}"#.utf8))
        for body in bodies {
            do {
                try Self.decode(source, body)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test("cron: any text parses or fails with a message; a schedule that parses always finds a next time or none")
    func cron() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 8)
        let valid = [
            "*/5 * * * *", "0 3 * * 1-5", "15,45 */2 1 * *", "0 0 29 2 *", "@daily", "@hourly", "59 23 31 12 *",
        ]
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for iteration in 0..<(Fuzz.iterations * 2) {
            let text =
                Bool.random(using: &generator)
                ? Fuzz.mutate(valid.randomElement(using: &generator)!, using: &generator)
                : Fuzz.text(length: Int.random(in: 0...40, using: &generator), using: &generator)
            do {
                let schedule = try CronSchedule(parsing: text)
                #expect(!schedule.description.isEmpty)
                if let next = schedule.next(after: start) {
                    #expect(next > start, "seed \(Fuzz.seed) case \(iteration): \(text.debugDescription)")
                }
            } catch {
                #expect(!"\(error)".isEmpty)
            }
        }
    }
}
