import Basics
import FirebreakTesting
import Testing

@Suite("Durations")
struct DurationTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("2s", .seconds(2)), ("10m", .seconds(600)),
        ("1h30m", .seconds(5400)), ("1d", .seconds(86400)), ("1w", .seconds(604_800)), ("2w3d", .seconds(1_468_800)),
    ])
    func validDurations(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "10", "5 s", "m5", "1.5s", "3y", "-1s", String(repeating: "1000000000w", count: 16)])
    func invalidDurations(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func formatRoundTrips() {
        for text in ["1h30m", "250ms", "2s", "1d2h"] {
            #expect(DurationParser.format(DurationParser.parse(text)!) == text)
        }
    }

    @Test("durations: format then parse gives the same duration; any text parses or is nil")
    func durations() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 4)
        for _ in 0..<(Fuzz.iterations * 5) {
            let duration = Duration.milliseconds(Int64.random(in: 0...(400 * 24 * 3_600_000), using: &generator))
            let text = DurationParser.format(duration)
            if let parsed = DurationParser.parse(text) {
                #expect(DurationParser.format(parsed) == text, "\(duration) → \(text) → \(parsed)")
            } else {
                Issue.record("\(text) (from \(duration)) does not parse")
            }
            let random = Fuzz.text(length: Int.random(in: 0...20, using: &generator), using: &generator)
            if let value = DurationParser.parse(random) {
                #expect(DurationParser.parse(DurationParser.format(value)) != nil, "\(random.debugDescription)")
            }
        }
    }

    @Test(arguments: [
        (Duration.zero, "0.00s"), (.milliseconds(4), "0.00s"), (.milliseconds(5), "0.01s"),
        (.milliseconds(1234), "1.23s"), (.seconds(61), "61.00s"),
    ])
    func formatSeconds(duration: Duration, expected: String) {
        #expect(DurationParser.formatSeconds(duration) == expected)
    }

    @Test(arguments: [
        (0.4, "0s"), (45, "45s"), (60, "1m"), (725, "12m 5s"), (10_920, "3h 2m"), (187_200, "2d 4h"),
    ])
    func formatElapsed(seconds: Double, expected: String) {
        #expect(DurationParser.formatElapsed(seconds) == expected)
    }

    @Test func units() {
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.milliseconds(1500).seconds == 1.5)
    }
}
