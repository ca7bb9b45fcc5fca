import Config
import Foundation

extension DefaultSender {
    /// Sends the message as an email with a text and an HTML part, through `smtp:`.
    func sendEmail(_ message: Message, to addresses: [String], timeout: Duration) async throws {
        guard let smtp else {
            throw DeliveryError("email needs an 'smtp:' section in firebreak.yml saying how email leaves")
        }
        guard let from = EmailAddress.parse(smtp.from) else {
            throw DeliveryError("smtp.from is not an email address: '\(smtp.from)'")
        }
        var email = EmailMessage(
            from: from.address, fromName: from.name, to: addresses, subject: message.emailSubject,
            textBody: message.emailText, htmlBody: message.emailHTML)
        email.headers.append(("X-Firebreak-Notification-ID", String(message.notificationID)))
        email.headers.append(("X-Firebreak-Incident-ID", message.incident.id))
        let client = SMTPClient(configuration: Self.configuration(smtp, timeout: timeout))
        do {
            try await client.send(email)
        } catch {
            throw DeliveryError("email to \(addresses.joined(separator: ", ")) failed: \(error)")
        }
    }

    static func configuration(_ smtp: SMTPSettings, timeout: Duration) -> SMTPConfiguration {
        var configuration = SMTPConfiguration(host: smtp.host, port: smtp.port)
        configuration.security = SMTPSecurity(rawValue: smtp.security.rawValue) ?? .starttls
        configuration.username = smtp.username
        configuration.password = smtp.password
        configuration.timeout = min(timeout, smtp.timeout)
        configuration.trustRootsPath = smtp.caFile
        return configuration
    }
}
