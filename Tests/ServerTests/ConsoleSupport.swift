import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A browser's part in the console's tests: it keeps cookies, and reads the form secret from the pages.
struct ConsoleBrowser {
    var cookies: [String: String] = [:]

    var cookieHeader: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")]
    }

    /// Keeps the response's cookies (an empty value with Max-Age=0 deletes one).
    mutating func keep(_ response: TestResponse) {
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let (name, value) = (String(pair[0]), String(pair[1]))
            if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
    }

    mutating func get(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var fields = cookieHeader
        for field in headers { fields[field.name] = field.value }
        let response = try await client.execute(uri: uri, method: .get, headers: fields, body: nil)
        keep(response)
        return response
    }

    mutating func post(
        _ client: some TestClientProtocol, _ uri: String, _ form: [String: String], headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = cookieHeader
        fields[.contentType] = "application/x-www-form-urlencoded"
        for field in headers { fields[field.name] = field.value }
        let body = form.sorted { $0.key < $1.key }.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }
            .joined(separator: "&")
        let response = try await client.execute(
            uri: uri, method: .post, headers: fields, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// Signs in with `token` through the sign-in page, as a person would.
    mutating func signIn(_ client: some TestClientProtocol, token: String) async throws -> TestResponse {
        let page = try await get(client, "/sign-in")
        return try await post(
            client, "/sign-in", ["_csrf": Self.csrf(in: page.text), "token": token, "next": "/incidents"])
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The first form secret of a page.
    static func csrf(in html: String) -> String {
        guard let range = html.range(of: #"name="_csrf" value="([^"]*)""#, options: .regularExpression) else {
            return ""
        }
        return String(html[range].dropFirst(#"name="_csrf" value=""#.count).dropLast())
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
