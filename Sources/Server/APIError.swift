import Foundation
import Hummingbird
import Incidents
import NIOCore
import Runbooks
import Store
import Workflows

/// An error answered as `{"error": …, "detail": …}` with a 4xx (or, for a broken database, 503) status.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short machine-readable code (`not_found`, `invalid_transition`, …).
    public var error: String
    /// What was wrong and how to fix it.
    public var detail: String
    /// Extra headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields
    /// Extra fields of the body (`required_role`).
    public var fields: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ error: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headerFields = headers
        headerFields[.contentType] = "application/json; charset=utf-8"
        let body =
            (try? JSONSerialization.data(
                withJSONObject: fields.merging(["error": error, "detail": detail]) { _, fixed in fixed },
                options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        headerFields[.contentLength] = String(body.count)
        return Response(status: status, headers: headerFields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The answer for any error: domain errors keep their meaning, Hummingbird's own errors become JSON, and
    /// anything else (which would be a bug) is a JSON 500 that never leaks internals.
    /// The API's way to find a record the store did not find (the store's own words name no adapter).
    static func hint(for entity: StoreError.Entity?) -> String {
        switch entity {
        case .incident?: "; list incidents with GET /api/v1/incidents"
        case .run?: "; list runs with GET /api/v1/runs"
        case .silence?: "; list them with GET /api/v1/silences?all=true"
        default: ""
        }
    }

    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as IncidentError:
            switch error.code {
            case .invalidInput: return APIError(.badRequest, "invalid_input", error.message)
            case .unchanged: return APIError(.badRequest, "unchanged", error.message)
            default:
                return APIError(
                    .conflict, error.code == .postmortemRequired ? "postmortem_required" : "invalid_transition",
                    error.message)
            }
        case let error as StoreError:
            switch error.code {
            case .notFound: return APIError(.notFound, "not_found", error.message + hint(for: error.entity))
            case .conflict: return APIError(.conflict, "conflict", error.message)
            case .cancelled, .claimLost: return APIError(.conflict, "conflict", error.message)
            default: return APIError(.serviceUnavailable, "unavailable", error.message, headers: [.retryAfter: "5"])
            }
        case let error as WorkflowError:
            switch error.code {
            case .notFound: return APIError(.notFound, "not_found", error.message)
            case .conflict: return APIError(.conflict, "conflict", error.message)
            case .invalidRunbook: return APIError(.unprocessableContent, "invalid_runbook", error.message)
            default: return APIError(.badRequest, "invalid_request", error.message)
            }
        case let error as RunbookError:
            switch error.kind {
            case .invalidReference: return APIError(.badRequest, "invalid_runbook_reference", error.message)
            case .notFound: return APIError(.notFound, "runbook_not_found", error.message)
            }
        case let error as HTTPError:
            let detail = error.body ?? error.status.reasonPhrase
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", detail)
            case .notFound: return APIError(.notFound, "not_found", "no such route; see docs/api.md for the API")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, "method_not_allowed", "this route does not take \(detail)")
            default:
                return APIError(
                    error.status, error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                    detail)
            }
        case is NIOTooManyBytesError:
            return APIError(
                .contentTooLarge, "body_too_large", "the request body is too large; send less",
                headers: [.connection: "close"])
        case let error as any HTTPResponseError:
            return APIError(error.status, "error", error.status.reasonPhrase)
        default:
            return APIError(
                .internalServerError, "internal",
                "an unexpected error occurred; the server log has the details under this request id")
        }
    }
}
