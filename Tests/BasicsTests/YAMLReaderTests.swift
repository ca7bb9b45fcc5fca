import Basics
import Testing
import Yams

/// The error of the readers under test: the place and the message, as one line.
struct ReadError: YAMLReaderError, Equatable {
    var text: String

    init(path: String, line: Int?, message: String) {
        text = "\(path):\(line.map(String.init) ?? "-"): \(message)"
    }
}

@Suite("Typed YAML reader")
struct YAMLReaderTests {
    let configuration = YAMLReader<ReadError>(path: "test.yml")
    let body = YAMLReader<ReadError>(lineOffset: 10, rules: .moduleBody)

    func node(_ yaml: String) throws -> Node {
        try #require(try Yams.compose(yaml: yaml))
    }

    func failure(_ read: () throws(ReadError) -> Void) -> String? {
        do {
            try read()
            return nil
        } catch {
            return error.text
        }
    }

    @Test func readsTypedValues() throws {
        let root = try node("n: 3\nx: 1.5\nb: yes\nd: 1h30m\ns: 2KiB\nl: [a, b]\n")
        let values = Dictionary(uniqueKeysWithValues: try configuration.mapping(root, at: "top", known: []))
        #expect(try configuration.int(values["n"]!, at: "n") == 3)
        #expect(try configuration.double(values["x"]!, at: "x") == 1.5)
        #expect(try configuration.bool(values["b"]!, at: "b"))
        #expect(try configuration.duration(values["d"]!, at: "d") == .seconds(5400))
        #expect(try configuration.size(values["s"]!, at: "s") == 2048)
        #expect(try configuration.strings(values["l"]!, at: "l") == ["a", "b"])
        #expect(try body.double(try node("50%"), at: "p", range: 0...100) == 50)
    }

    @Test func unknownKeysAreNamedWithTheLineAndASuggestion() throws {
        let root = try node("port: 1\nhots: x\n")
        #expect(
            failure { () throws(ReadError) in
                _ = try configuration.mapping(root, at: "server", known: ["host", "port"])
            }
                == "test.yml:2: unknown key 'hots' in 'server'; did you mean 'host'?")
        #expect(
            failure { () throws(ReadError) in _ = try body.mapping(root, at: "a check", known: ["host", "port"]) }
                == ":12: unknown key 'hots' in a check; did you mean 'host'?")
    }

    @Test func configurationTakesEmptyValuesAndZeroDurations() throws {
        #expect(try configuration.string(try node("''"), at: "k") == "")
        #expect(try configuration.duration(try node("0s"), at: "k") == .zero)
    }

    @Test func moduleBodiesRefuseEmptyValuesAndZeroDurations() throws {
        let empty = try node("''")
        #expect(
            failure { () throws(ReadError) in _ = try body.string(empty, at: "k") }
                == ":11: 'k' must be a single, non-empty value")
        let zero = try node("0s")
        #expect(
            failure { () throws(ReadError) in _ = try body.duration(zero, at: "k") }
                == ":11: 'k' is not a duration: '0s'; write it like 500ms, 30s, 5m or 1h")
    }

    @Test func lintDefersTemplatedValues() throws {
        var reader = body
        reader.lint = true
        let templated = try node("'{{ params.count }}'")
        #expect(try reader.int(templated, at: "k", minimum: 2) == 2)
        #expect(try reader.duration(templated, at: "k") == .seconds(1))
        #expect(failure { () throws(ReadError) in _ = try body.int(templated, at: "k") } != nil)
    }
}
