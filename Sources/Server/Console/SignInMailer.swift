import Config
import Foundation
import Logging
import Notifications
import ServiceLifecycle

/// Sends sign-in links in the background, so that the sign-in form answers at once whether or not the address
/// belongs to a user: waiting for the SMTP server only for real users would tell who they are by the time taken.
/// A service of the server's group; links still queued at shutdown are not sent (they are asked for again).
final class SignInMailer: Service, Sendable {
    struct Mail: Sendable {
        var address: String
        var name: String
        var handle: String
        var link: String
        var minutes: Int
    }

    let smtp: SMTPSettings?
    let logger: Logger
    private let queue: AsyncStream<Mail>
    private let continuation: AsyncStream<Mail>.Continuation

    init(smtp: SMTPSettings?, logger: Logger) {
        self.smtp = smtp
        self.logger = logger
        (queue, continuation) = AsyncStream.makeStream(of: Mail.self, bufferingPolicy: .bufferingNewest(100))
    }

    /// Queues a link; it is sent in the background.
    func enqueue(_ mail: Mail) {
        continuation.yield(mail)
    }

    /// Runs until graceful shutdown, even without `smtp:` (then nothing is ever queued): a service that returns
    /// early would end the group.
    func run() async throws {
        await withGracefulShutdownHandler {
            for await mail in queue {
                guard let smtp else { continue }
                do {
                    try await SignInMail.send(
                        to: mail.address, name: mail.name, link: mail.link, minutes: mail.minutes, smtp: smtp)
                    logger.info("sign-in link sent", metadata: ["user": .string(mail.handle)])
                } catch {
                    logger.warning("sign-in link not sent: \(error)", metadata: ["user": .string(mail.handle)])
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }
}
