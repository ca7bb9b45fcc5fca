import Basics
import Foundation

extension Message {
    /// The subject line: `[P1] INC-3 escalated (level 1): Checkout down`.
    public var emailSubject: String {
        var line = "[\(incident.severity)] \(incident.id) \(event.replacingOccurrences(of: "_", with: " "))"
        if let level = details["level"] { line += " (level \(level))" }
        return line + ": \(incident.title)"
    }

    /// `Alice Example (alice)`, or the handle alone.
    func pagedPerson(_ handle: String) -> String {
        recipientName.map { "\($0) (\(handle))" } ?? handle
    }

    /// The plain-text part: what happened, the incident, and the links.
    public var emailText: String {
        var lines = [emailSubject, ""]
        if let summary = incident.summary, !summary.isEmpty { lines += [summary, ""] }
        lines.append("Severity: \(incident.severity)")
        lines.append("Status: \(incident.status)")
        lines.append("Opened: \(incident.triggeredAt.formatted(.iso8601))")
        if let commander = incident.commander { lines.append("Commander: \(commander)") }
        if let recipient { lines.append("Paged: \(pagedPerson(recipient))") }
        if let link = links["acknowledge"] {
            lines += ["", "Acknowledge (single use): \(link)"]
        }
        // People open the console's page; the JSON links stay in webhook payloads for programs.
        if let link = links["console"] { lines.append("Open the incident: \(link)") }
        lines += ["", "Notification \(notificationID), sent by Firebreak."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The HTML part: the same as the text, escaped, with the acknowledge link as a button.
    public var emailHTML: String {
        let escape = HTML.escape
        var rows = [
            ("Severity", incident.severity), ("Status", incident.status),
            ("Opened", incident.triggeredAt.formatted(.iso8601)),
        ]
        if let commander = incident.commander { rows.append(("Commander", commander)) }
        if let recipient { rows.append(("Paged", pagedPerson(recipient))) }
        var html = """
            <!doctype html>
            <html><body style="font-family: sans-serif">
            <h1 style="font-size: 1.2em">\(escape(emailSubject))</h1>

            """
        if let summary = incident.summary, !summary.isEmpty { html += "<p>\(escape(summary))</p>\n" }
        html += "<table>\n"
        for (name, value) in rows { html += "<tr><th align=\"left\">\(name)</th><td>\(escape(value))</td></tr>\n" }
        html += "</table>\n"
        if let link = links["acknowledge"] {
            html += """
                <p><a href="\(escape(link))" style="display: inline-block; padding: 0.6em 1.2em; background: #b00020; \
                color: #ffffff; text-decoration: none; border-radius: 4px">Acknowledge</a> (single use)</p>

                """
        }
        if let link = links["console"] {
            html += "<p><a href=\"\(escape(link))\">Open the incident in the console</a></p>\n"
        }
        html += "<p style=\"color: #555555\">Notification \(notificationID), sent by Firebreak.</p>\n</body></html>\n"
        return html
    }
}
