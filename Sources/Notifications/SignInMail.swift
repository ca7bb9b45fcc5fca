import Basics
import Config
import Foundation

/// The email with a console sign-in link.
public enum SignInMail {
    /// Sends the one-time link to `address` through `smtp`.
    /// - Throws: ``DeliveryError`` when the server refuses it or cannot be reached.
    public static func send(to address: String, name: String, link: String, minutes: Int, smtp: SMTPSettings)
        async throws
    {
        guard let from = EmailAddress.parse(smtp.from) else {
            throw DeliveryError("smtp.from is not an email address: '\(smtp.from)'")
        }
        let text = """
            Hello \(name),

            Open this link to sign in to the Firebreak console. It works once, for \(minutes) minutes:

            \(link)

            If you did not ask for it, ignore this email; nobody can use it without your mailbox.
            """
        let html = """
            <p>Hello \(HTML.escape(name)),</p>
            <p><a href="\(HTML.escape(link))">Sign in to the Firebreak console</a>. The link works once, for \
            \(minutes) minutes.</p>
            <p>If you did not ask for it, ignore this email.</p>
            """
        let email = EmailMessage(
            from: from.address, fromName: from.name, to: [address], subject: "Your Firebreak sign-in link",
            textBody: text, htmlBody: html)
        let client = SMTPClient(configuration: DefaultSender.configuration(smtp, timeout: .seconds(10)))
        do {
            try await client.send(email)
        } catch {
            throw DeliveryError("the sign-in email to \(address) failed: \(error)")
        }
    }
}
