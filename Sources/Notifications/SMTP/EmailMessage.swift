import Foundation

/// An email with a plain-text part and an optional HTML part, rendered as RFC 5322 with MIME.
public struct EmailMessage: Sendable {
    public var from: String
    public var fromName: String?
    public var to: [String]
    public var subject: String
    public var textBody: String
    public var htmlBody: String?
    /// Extra headers (`X-Firebreak-Notification-ID`); names and values lose any CR or LF.
    public var headers: [(String, String)] = []
    public var date = Date()
    public var messageID: String

    public init(
        from: String, fromName: String? = nil, to: [String], subject: String, textBody: String, htmlBody: String? = nil
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        let domain = from.split(separator: "@").last.map(String.init) ?? "firebreak"
        messageID = "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// The message as sent after `DATA`, with CRLF line ends (before dot-stuffing).
    public func rendered() -> String {
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(fromName.map { "\(Self.encodeWord($0)) <\(from)>" } ?? from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodeWord(subject))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        for (name, value) in headers {
            lines.append("\(Self.clean(name)): \(Self.clean(value))")
        }
        let boundary = "firebreak-\(UUID().uuidString.lowercased())"
        if let htmlBody {
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines += ["", "This is a multi-part message in MIME format."]
            lines += ["--\(boundary)"] + Self.part(textBody, type: "text/plain")
            lines += ["--\(boundary)"] + Self.part(htmlBody, type: "text/html")
            lines.append("--\(boundary)--")
        } else {
            lines += Self.part(textBody, type: "text/plain")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A part in base64, which keeps every line short and every byte intact.
    static func part(_ body: String, type: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return [
            "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
        ] + encoded.components(separatedBy: "\r\n")
    }

    /// A line beginning with `.` gets another one (RFC 5321 §4.5.2).
    static func dotStuffed(_ text: String) -> String {
        text.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    /// A header value without line breaks, so nothing can be injected.
    /// One line: each run of CR and LF becomes one space. (On scalars: `"\r\n"` is a single Character.)
    static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousBreak = false
        for scalar in text.unicodeScalars {
            let isBreak = scalar == "\r" || scalar == "\n"
            if isBreak, !previousBreak { scalars.append(" ") }
            if !isBreak { scalars.append(scalar) }
            previousBreak = isBreak
        }
        return String(scalars)
    }

    /// An RFC 2047 encoded word for text that is not plain ASCII.
    static func encodeWord(_ text: String) -> String {
        let cleaned = clean(text)
        guard !cleaned.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) else { return cleaned }
        return "=?utf-8?B?\(Data(cleaned.utf8).base64EncodedString())?="
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
