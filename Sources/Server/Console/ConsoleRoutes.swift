import Config
import Foundation
import HTTPTypes
import Hummingbird
import Incidents
import Logging
import NIOCore
import Notifications
import Store
import WebConsole

/// The web console: pages rendered on the server from `templates/web/`, plain forms for every action, and live
/// updates by Server-Sent Events. Pages need a session (sign in with a token or an emailed link); every form
/// carries the session's CSRF secret; every change is audited with the person who made it.
struct ConsoleRoutes {
    let store: any Storage
    let engine: IncidentEngine
    let config: FirebreakConfig
    let directory: OnCallDirectory
    let tokens: TokenAuthority
    let sessions: SessionAuthority
    let renderer: PageRenderer
    let audit: AuditLog
    let launcher: RunLauncher
    let runsDirectory: URL
    let live: LiveOutput
    let linkBase: String
    let mailer: SignInMailer

    typealias Handler = @Sendable (Request, FirebreakContext) async throws -> Response

    /// Mounts the open pages (sign-in, assets) on `open` and the rest on `guarded`.
    func register(open: ConsoleGroup, guarded: ConsoleGroup) {
        open.get("/", use: root)
        open.get("static/:file", use: asset)
        SignInRoutes(console: self).register(open: open, guarded: guarded)
        IncidentPageRoutes(console: self).register(on: guarded)
        RunPageRoutes(console: self).register(on: guarded)
        RunbookPageRoutes(console: self).register(on: guarded)
        PostmortemPageRoutes(console: self).register(on: guarded)
        OverviewPageRoutes(console: self).register(on: guarded)
        EventRoutes(feed: store.changes, live: live, store: store, sessions: sessions).register(on: guarded)
    }

    @Sendable func root(_ request: Request, context: FirebreakContext) async throws -> Response {
        ConsolePage.redirect(context.session == nil ? "/sign-in" : "/incidents")
    }

    @Sendable func asset(_ request: Request, context: FirebreakContext) async throws -> Response {
        let name = try context.parameters.require("file")
        guard let text = renderer.asset(name) else {
            throw APIError(.notFound, "not_found", "no file \(name) in the console")
        }
        let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A page, rendered.
    func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        ConsolePage.html(renderer.render(template, model), status: status)
    }

    /// Records a console change in the audit log.
    func record(_ action: String, target: String?, result: String, context: FirebreakContext) async {
        await audit.record(
            AuditRecord(
                at: Date(), actor: context.consoleActor, action: action, target: target,
                via: "console", requestID: context.requestID, result: result))
    }

    /// A chrome for `title`, for the signed-in session.
    func chrome(_ title: String, _ context: FirebreakContext, topics: [StoreChange.Topic] = []) -> Chrome {
        Chrome(title: title, session: context.session, topics: topics, since: context.changeSequence)
    }
}
