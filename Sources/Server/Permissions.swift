import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Store
import Synchronization

/// One API route and the role it needs.
public struct RoutePermission: Sendable, Equatable {
    /// The method.
    public var method: HTTPRequest.Method
    /// The path under the group, with `:parameters`.
    public var path: String
    /// The least role that may call it.
    public var role: TokenRole
}

/// Every guarded route, as the router was built: the role refusal tests walk it, so a new route cannot be forgotten.
public final class PermissionTable: Sendable {
    private let entries = Mutex<[RoutePermission]>([])

    init() {}

    /// The routes, in the order they were registered.
    public var routes: [RoutePermission] { entries.withLock { $0 } }

    func add(_ entry: RoutePermission) { entries.withLock { $0.append(entry) } }
}

/// Registers routes on a group with the role each needs; routes join the API only through it. A caller without
/// the role gets 403 naming the role; every change (any method but GET) and every refusal goes to the audit log.
struct GuardedRoutes {
    let group: RouterGroup<FirebreakContext>
    let prefix: String
    let table: PermissionTable
    let audit: AuditLog

    typealias Handler = @Sendable (Request, FirebreakContext) async throws -> Response

    func get(_ path: String, _ role: TokenRole, use handler: @escaping Handler) {
        add(.get, path, role, handler)
    }

    func post(_ path: String, _ role: TokenRole, use handler: @escaping Handler) {
        add(.post, path, role, handler)
    }

    func delete(_ path: String, _ role: TokenRole, use handler: @escaping Handler) {
        add(.delete, path, role, handler)
    }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ role: TokenRole, _ handler: @escaping Handler) {
        table.add(RoutePermission(method: method, path: prefix + path, role: role))
        let audit = self.audit
        let action = "\(method.rawValue) \(prefix)\(path)"
        let changes = method != .get
        group.on(RouterPath(path), method: method) { request, context in
            guard let caller = context.caller, caller.role.allows(role) else {
                let error = APIError.roleRequired(role, caller: context.caller, action: action)
                await audit.record(action: action, context: context, result: "403 forbidden (needs \(role.rawValue))")
                throw error
            }
            guard changes else { return try await handler(request, context) }
            do {
                let response = try await handler(request, context)
                let created = response.headers[.location].flatMap { $0.split(separator: "/").last.map(String.init) }
                await audit.record(
                    action: action, context: context, result: "ok \(response.status.code)", created: created)
                return response
            } catch {
                let answer = APIError.from(error)
                await audit.record(action: action, context: context, result: "\(answer.status.code) \(answer.error)")
                throw error
            }
        }
    }
}

/// Writes the audit log for an adapter; a failure to write it is logged, never turned into the caller's error.
struct AuditLog: Sendable {
    let store: any Storage
    let logger: Logger

    func record(
        action: String, context: FirebreakContext, result: String, actor: String? = nil, created: String? = nil,
        via: String = "api"
    ) async {
        // What it acted on: the path's id or name; for a creation, what it created (its Location), so that
        // "POST /api/v1/incidents" says which incident.
        let target = context.parameters.get("id") ?? context.parameters.get("name") ?? created
        await record(
            AuditRecord(
                at: Date(), actor: actor ?? context.caller?.actor ?? "anonymous", action: action, target: target,
                via: via, requestID: context.requestID, result: result))
    }

    func record(_ entry: AuditRecord) async {
        do {
            try await store.recordAudit(entry)
        } catch {
            logger.error("cannot write the audit log: \(error)", metadata: ["action": .string(entry.action)])
        }
    }
}

extension APIError {
    /// 403 for a caller whose role is not enough, naming the role needed.
    static func roleRequired(_ role: TokenRole, caller: TokenAuthority.Caller?, action: String) -> APIError {
        let who = caller.map { "the token '\($0.name)' has the role \($0.role.rawValue)" } ?? "no token was presented"
        var error = APIError(
            .forbidden, "forbidden",
            "\(action) needs the role \(role.rawValue), and \(who); ask an admin for a token with 'firebreak token create NAME --role \(role.rawValue)'"
        )
        error.fields["required_role"] = role.rawValue
        return error
    }
}
