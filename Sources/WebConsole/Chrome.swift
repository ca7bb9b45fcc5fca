import Foundation
import Store

/// What every page's frame shows: the title, the navigation, who is signed in, the form secret, and what the
/// page listens to for live updates.
public struct Chrome: Sendable {
    /// Which navigation entry is the current page.
    public struct Nav: Sendable {
        public var incidents = false
        public var runbooks = false
        public var runs = false
        public var oncall = false
        public var overview = false
    }

    public var title: String
    /// The ``StoreChange/Topic`` names the page refreshes on, comma-separated (`""`: not live).
    public var topics: String
    /// The change sequence the page was read at: its event stream reports every change after it.
    public var since: UInt64 = 0
    /// The page's own address, when it was rendered as the answer to a refused form: live updates and reloads
    /// then fetch this page, not the form's address.
    public var page: String?
    /// Where the page sends the browser at once (a same-site navigation, which carries the session cookie).
    public var refresh: String?
    /// An event stream of live output for the page, if any.
    public var stream: String?
    public var signedIn: Bool
    public var actor: String
    public var role: String
    /// The CSRF secret every form of the page carries.
    public var csrf: String
    public var nav = Nav()
    /// A confirmation after an action (`?done=`).
    public var flash: String?
    /// Why an action was refused.
    public var problem: String?

    public init(
        title: String, session: SessionRecord?, topics: [StoreChange.Topic] = [], stream: String? = nil,
        csrf: String? = nil, since: UInt64 = 0
    ) {
        self.title = title
        self.since = since
        self.topics = topics.map(\.rawValue).joined(separator: ",")
        self.stream = stream
        signedIn = session != nil
        actor = session?.actor ?? ""
        role = session?.role.rawValue ?? ""
        self.csrf = csrf ?? session?.csrf ?? ""
    }
}

/// How the console writes times and durations: UTC timestamps, and short ages (`4m`, `2h 5m`, `3d 2h`).
public enum ConsoleFormat {
    /// `2026-12-04 21:34:05 UTC`.
    public static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        let p = parts(date)
        return "\(p.year ?? 0)-\(two(p.month))-\(two(p.day)) \(two(p.hour)):\(two(p.minute)):\(two(p.second)) UTC"
    }

    /// `21:34:05`, for rows of one day.
    public static func clock(_ date: Date) -> String {
        let p = parts(date)
        return "\(two(p.month))-\(two(p.day)) \(two(p.hour)):\(two(p.minute)):\(two(p.second))"
    }

    /// A duration in its two largest units: `45s`, `4m 10s`, `2h 5m`, `3d 2h`.
    public static func duration(_ seconds: TimeInterval?) -> String {
        guard let seconds else { return "—" }
        let total = Int(max(0, seconds.rounded()))
        let (days, hours, minutes, secs) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        if minutes > 0 { return secs > 0 ? "\(minutes)m \(secs)s" : "\(minutes)m" }
        return "\(secs)s"
    }

    /// The link of an alert or a dashboard, when it is one a browser may follow: `http` and `https` only, so a
    /// `javascript:` URL in an alert never becomes a link.
    public static func safeLink(_ text: String?) -> String? {
        guard let text, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return text
    }

    private static func parts(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }

    private static func two(_ value: Int?) -> String {
        let value = value ?? 0
        return value < 10 ? "0\(value)" : "\(value)"
    }
}

/// One `<option>` of a `<select>`.
public struct Option: Sendable {
    public var value: String
    public var label: String
    public var selected: Bool

    public init(value: String, label: String? = nil, selected: Bool) {
        self.value = value
        self.label = label ?? value
        self.selected = selected
    }
}

/// A key and value, for labels and details.
public struct Pair: Sendable {
    public var key: String
    public var value: String

    /// The pairs of a dictionary, sorted by key.
    public static func sorted(_ dictionary: [String: String]) -> [Pair] {
        dictionary.sorted { $0.key < $1.key }.map { Pair(key: $0.key, value: $0.value) }
    }
}
