import Basics
import Config
import Foundation
import HTTPTypes
import Hummingbird
import Incidents
import NIOCore
import Notifications
import Store

/// `/ack/<token>`: the acknowledge link of a page. `GET` shows a confirmation page, `POST` acknowledges the incident
/// as the paged person. The link is the credential: signed, single use, expiring; no API token is needed.
struct AckRoutes {
    let store: any Storage
    let engine: IncidentEngine
    let audit: AuditLog
    let baseURL: String
    let links: AckLinkKeys

    func register(on router: RouterGroup<FirebreakContext>) {
        router.get("ack/:token", use: confirm)
        router.post("ack/:token", use: acknowledge)
    }

    /// What a link checked out to.
    struct Page {
        var notification: NotificationRecord
        var user: String
        var incident: Incident
    }

    /// Checks the link, or answers the page that says why it cannot be used.
    private func check(_ token: String, at time: Date) async throws -> Result<Page, HTMLPage> {
        let invalid = HTMLPage(
            status: .forbidden, title: "This link is not valid",
            body:
                "It may have been copied incompletely or changed. Use the link from the page exactly as sent, or acknowledge in Firebreak itself."
        )
        guard let parsed = AckLinks.parse(token),
            let notification = try? await store.notification(id: parsed.notificationID),
            let (user, _) = User.parseChannel(notification.channel)
        else { return .failure(invalid) }
        let incident = try await store.incident(id: notification.incidentID)
        switch try await links.signer(store: store, baseURL: baseURL).verify(
            token, user: user, incidentID: incident.id, at: time)
        {
        case .failure(.invalid): return .failure(invalid)
        case .failure(.expired(let when)):
            return .failure(
                HTMLPage(
                    status: .gone, title: "This link has expired",
                    body:
                        "It expired at \(when.formatted(.iso8601)). Acknowledge \(incident.id) in Firebreak itself: firebreak incident ack \(incident.id)"
                ))
        case .success: return .success(Page(notification: notification, user: user, incident: incident))
        }
    }

    @Sendable func confirm(_ request: Request, context: FirebreakContext) async throws -> Response {
        let token = try context.parameters.require("token")
        switch try await check(token, at: Date()) {
        case .failure(let page): return page.response()
        case .success(let page):
            let incident = page.incident
            guard incident.status == .triggered else { return Self.nothingToDo(incident).response() }
            return HTMLPage(
                status: .ok, title: "Acknowledge \(incident.id)?",
                body:
                    "[\(incident.severity.rawValue)] \(incident.title). Status: \(incident.status.rawValue). You are acknowledging as \(page.user); the escalation stops and you become the commander.",
                button: "Acknowledge as \(page.user)"
            ).response()
        }
    }

    @Sendable func acknowledge(_ request: Request, context: FirebreakContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let now = Date()
        let page: Page
        switch try await check(token, at: now) {
        case .failure(let refusal):
            await audit.record(
                AuditRecord(
                    at: now, actor: "anonymous", action: "ack-link", via: "ack-link", requestID: context.requestID,
                    result: "\(refusal.status.code) \(refusal.title)"))
            return refusal.response()
        case .success(let checked): page = checked
        }
        func record(_ result: String) async {
            await audit.record(
                AuditRecord(
                    at: now, actor: page.user, action: "ack-link", target: page.incident.id, via: "ack-link",
                    requestID: context.requestID, result: result))
        }
        let engine = self.engine
        let user = page.user
        do {
            _ = try await store.useAckLink(
                notificationID: page.notification.id, user: user, incidentID: page.incident.id, at: now,
                requestID: context.requestID
            ) {
                try engine.apply(.acknowledge, note: "acknowledged from the page's link", to: $0, by: user, at: now)
            }
        } catch let error as StoreError where error.code == .conflict {
            await record("409 used")
            return HTMLPage(status: .conflict, title: "This link was already used", body: error.message).response()
        } catch let error as IncidentError {
            await record("409 \(error.code)")
            return Self.nothingToDo(try await store.incident(id: page.incident.id)).response()
        }
        await record("ok")
        return HTMLPage(
            status: .ok, title: "Acknowledged \(page.incident.id)",
            body:
                "You (\(user)) acknowledged [\(page.incident.severity.rawValue)] \(page.incident.title). The escalation has stopped; you are the commander."
        ).response()
    }
}

extension AckRoutes {
    /// The page for a link whose incident is no longer waiting for someone: who has it, and where to follow it.
    static func nothingToDo(_ incident: Incident) -> HTMLPage {
        let by = incident.commander.map { ", commander \($0)" } ?? ""
        return HTMLPage(
            status: .conflict, title: "\(incident.id) is \(incident.status.rawValue)\(by)",
            body:
                "Nothing was changed: someone is on it already, and the escalation has stopped. Follow it with 'firebreak incident show \(incident.id)'."
        )
    }
}

/// The acknowledge-link signer, with its key loaded from the store once.
actor AckLinkKeys {
    private var signer: AckLinks?

    func signer(store: any Storage, baseURL: String) async throws -> AckLinks {
        if let signer { return signer }
        let secret = try await store.secret(named: AckLinks.secretName, initial: AckLinks.newSecret())
        let made = AckLinks(secret: secret, baseURL: baseURL)
        signer = made
        return made
    }
}

/// A small HTML page for people who followed a link: everything escaped, no scripts, nothing cached or referred.
struct HTMLPage: Error {
    var status: HTTPResponse.Status
    var title: String
    var body: String
    /// A button that posts back to the page's own address (a relative form, so a path prefix in front of the
    /// server keeps working).
    var button: String?

    static func escape(_ text: String) -> String { HTML.escape(text) }

    func response() -> Response {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title)) · Firebreak</title></head>
            <body><main><h1>\(Self.escape(title))</h1>
            <p>\(Self.escape(body))</p>

            """
        if let button {
            html += """
                <form method="post">
                <button type="submit">\(Self.escape(button))</button></form>

                """
        }
        html += "</main></body></html>\n"
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                HTTPField.Name("Referrer-Policy")!: "no-referrer",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
