import Foundation
import Hummingbird
import NIOCore
import Views

/// A request's JSON object, read with precise 400 answers: malformed JSON, a field that is not allowed, a missing
/// field or a field of the wrong type each say so by name.
struct JSONBody {
    let fields: [String: Any]

    /// Reads the body (already size-limited). An empty body is an empty object when `allowEmpty`.
    static func read(_ request: Request, allowed: Set<String>, allowEmpty: Bool = false) async throws -> JSONBody {
        var request = request
        let buffer = try await request.collectBody(upTo: .max)
        let data = Data(buffer: buffer)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else {
                throw APIError(.badRequest, "invalid_json", "the request needs a JSON object body")
            }
            return JSONBody(fields: [:])
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw APIError(
                .badRequest, "invalid_json",
                "the body is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")"
            )
        }
        guard let object = parsed as? [String: Any] else {
            throw APIError(.badRequest, "invalid_json", "the body must be a JSON object, like {\"title\": \"…\"}")
        }
        let unknown = object.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw APIError(
                .badRequest, "unknown_field",
                "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); allowed: \(allowed.sorted().joined(separator: ", "))"
            )
        }
        return JSONBody(fields: object)
    }

    func string(_ name: String) throws -> String? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw APIError(.badRequest, "invalid_field", "'\(name)' must be a string")
        }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.badRequest, "missing_field", "'\(name)' is required and must be a non-empty string")
        }
        return text
    }

    func stringMap(_ name: String) throws -> [String: String] {
        guard let value = fields[name], !(value is NSNull) else { return [:] }
        guard let object = value as? [String: Any] else {
            throw APIError(.badRequest, "invalid_field", "'\(name)' must be an object of string values")
        }
        var result: [String: String] = [:]
        for (key, item) in object {
            switch item {
            case let text as String: result[key] = text
            case let number as NSNumber: result[key] = number.stringValue
            default: throw APIError(.badRequest, "invalid_field", "'\(name).\(key)' must be a string or a number")
            }
        }
        return result
    }
}

/// A JSON response with the status and headers given, in the ``JSONConvention`` (``ConventionResponseEncoder``).
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
    -> Response
{
    try ConventionResponseEncoder().response(value, status: status, headers: headers)
}

/// The request context's `responseEncoder`: what a handler that returns a `ResponseEncodable` value is answered
/// with, and what ``jsonResponse(_:status:headers:)`` uses, so every JSON answer has one convention, the CLI's.
public struct ConventionResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws
        -> Response
    {
        try response(value, status: .ok, headers: [:])
    }

    func response(_ value: some Encodable, status: HTTPResponse.Status, headers: HTTPFields) throws -> Response {
        let body = try JSONConvention.encoder().encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        // Explicit, so that HEAD (the same response without its body) still says how long the GET answer is.
        fields[.contentLength] = String(body.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
