/// "did you mean" hints for misspelt keys.
public enum Suggestion {
    /// `; did you mean 'x'?` when a known word is close, otherwise the list of known words.
    public static func didYouMean(_ word: String, in known: [String]) -> String {
        let best = known.map { ($0, distance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        if let best, best.1 <= max(word.count >= 4 ? 2 : 1, word.count / 3) {
            return "; did you mean '\(best.0)'?"
        }
        return "; known keys: \(known.joined(separator: ", "))"
    }

    /// The Levenshtein distance between two strings, in bytes.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where j <= b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
