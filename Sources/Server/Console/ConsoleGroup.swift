import HTTPTypes
import Hummingbird
import Store
import Synchronization

/// One console route and the role it needs (`nil`: open, such as the sign-in page).
public struct ConsoleRoute: Sendable, Equatable {
    public var method: HTTPRequest.Method
    public var path: String
    public var role: TokenRole?
}

/// Every console route, as the router was built: the OpenAPI contract leaves them out (they answer HTML), and
/// the role tests walk them.
public final class ConsoleRouteTable: Sendable {
    private let entries = Mutex<[ConsoleRoute]>([])

    init() {}

    /// The routes, in the order they were registered.
    public var routes: [ConsoleRoute] { entries.withLock { $0 } }

    func add(_ entry: ConsoleRoute) { entries.withLock { $0.append(entry) } }
}

/// Registers console routes with the role each needs. A session below it gets a 403 page naming the role; a
/// refused or completed change (any POST) goes to the audit log by the handler.
struct ConsoleGroup {
    let group: RouterGroup<FirebreakContext>
    let table: ConsoleRouteTable
    /// `false` for the open group (no session needed).
    let guarded: Bool
    /// Where refusals and failed forms are recorded.
    let audit: AuditLog

    typealias Handler = @Sendable (Request, FirebreakContext) async throws -> Response

    func get(_ path: String, _ role: TokenRole = .viewer, use handler: @escaping Handler) {
        add(.get, path, role, handler)
    }

    func post(_ path: String, _ role: TokenRole = .responder, use handler: @escaping Handler) {
        add(.post, path, role, handler)
    }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ role: TokenRole, _ handler: @escaping Handler) {
        let display = path.hasPrefix("/") ? path : "/" + path
        // As the router writes it (`/incidents/{id}`), so the route lists compare.
        table.add(ConsoleRoute(method: method, path: RouterPath(display).description, role: guarded ? role : nil))
        guard guarded else {
            group.on(RouterPath(path), method: method, use: handler)
            return
        }
        let audit = self.audit
        group.on(RouterPath(path), method: method) { request, context in
            let action = "\(method.rawValue) \(request.uri.path)"
            guard let session = context.session, session.role.allows(role) else {
                await audit.record(
                    action: action, context: context, result: "403 forbidden (needs \(role.rawValue))",
                    actor: context.consoleActor, via: "console")
                throw APIError(
                    .forbidden, "forbidden",
                    "This needs the role \(role.rawValue), and you are signed in as \(context.session?.role.rawValue ?? "nobody"). Ask an admin for a token with that role, then sign in with it."
                )
            }
            guard method == .post else { return try await handler(request, context) }
            do {
                return try await handler(request, context)
            } catch {
                // Handlers record what they did and the refusals they show; a thrown error is recorded here.
                let answer = APIError.from(error)
                await audit.record(
                    action: action, context: context, result: "\(answer.status.code) \(answer.error)",
                    actor: context.consoleActor, via: "console")
                throw error
            }
        }
    }
}
