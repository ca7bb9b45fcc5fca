import Testing

@testable import Basics

@Suite("Did-you-mean suggestions")
struct SuggestionTests {
    @Test func closeWordIsSuggested() {
        #expect(Suggestion.didYouMean("prot", in: ["host", "port"]) == "; did you mean 'port'?")
        #expect(Suggestion.didYouMean("Keep_Dayz", in: ["keep_days", "keep_last"]) == "; did you mean 'keep_days'?")
    }

    @Test func farWordListsTheKnownOnes() {
        #expect(Suggestion.didYouMean("colour", in: ["host", "port"]) == "; known keys: host, port")
    }

    @Test(arguments: [("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("same", "same", 0)])
    func distance(a: String, b: String, expected: Int) {
        #expect(Suggestion.distance(a, b) == expected)
    }
}
