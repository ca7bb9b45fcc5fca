import Config
import FirebreakTesting
import Foundation
import Testing

@Suite("firebreak.yml under hostile input")
struct ConfigPropertyTests {
    @Test("a mutated configuration parses or fails with file:line: message, never a crash")
    func mutatedConfiguration() throws {
        let example = try String(contentsOf: ConfigTests.example, encoding: .utf8)
        var generator = SeededGenerator(seed: Fuzz.seed &+ 9)
        var failures = 0
        for iteration in 0..<Fuzz.iterations {
            let text = Fuzz.mutate(example, using: &generator)
            do {
                _ = try FirebreakConfig.parse(text, path: "fuzz.yml")
            } catch {
                failures += 1
                #expect(error.description.hasPrefix("fuzz.yml"), "seed \(Fuzz.seed) case \(iteration): \(error)")
            }
        }
        #expect(failures > 0, "the mutations reach the checks")
    }

    @Test("random text, deep nesting and anchors bombs are errors or configurations, not crashes")
    func randomConfiguration() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 10)
        var texts = (0..<Fuzz.iterations).map { _ in
            Fuzz.text(length: Int.random(in: 0...500, using: &generator), using: &generator)
        }
        texts.append("server: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        texts.append("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: [*d, *d, *d, *d]\n")
        for text in texts {
            do {
                _ = try FirebreakConfig.parse(text, path: "fuzz.yml")
            } catch {
                #expect(error.description.hasPrefix("fuzz.yml"))
            }
        }
    }
}
