/// Keeps the last `limit` bytes of a stream of output.
struct OutputTail: Sendable {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ chunk: some Collection<UInt8>) {
        bytes.append(contentsOf: chunk)
        if bytes.count > limit * 2 { trim() }
    }

    private mutating func trim() {
        let excess = bytes.count - limit
        guard excess > 0 else { return }
        bytes.removeFirst(excess)
        dropped += excess
    }

    /// The tail as text, with a marker when earlier output was dropped.
    mutating func text() -> String {
        trim()
        let body = String(decoding: bytes, as: UTF8.self)
        return dropped > 0 ? "[… \(dropped) earlier bytes not kept …]\n" + body : body
    }
}
