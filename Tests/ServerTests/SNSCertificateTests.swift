import FirebreakTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// SNS signing certificates fetched from `SigningCertURL`, against a loopback stand-in for Amazon (a test CA, a TLS
/// server for sns.us-east-1.amazonaws.com reached through an HTTP proxy, and the CA's issuer URL).
@Suite("CloudWatch: fetched SNS signing certificates", .serialized)
struct SNSCertificateTests {
    /// The stand-in authority: its proxy, trust root, signed messages and request log.
    final class Authority: @unchecked Sendable {
        // @unchecked: the process is only started and terminated; the other fields are immutable.
        let directory = TemporaryDirectory()
        let process = Process()
        /// Its stdin: the authority exits when this closes, even if the test process dies.
        let lifeline = Pipe()
        var proxy = ""
        var messages: [String: String] = [:]

        /// Starts the authority and waits (off the cooperative pool) for its line of JSON.
        static func start() async throws -> Authority {
            let authority = Authority()
            let script = CommandLineTool.packageRoot.appendingPathComponent(
                "Tests/ServerTests/Support/sns_authority.py"
            ).path
            authority.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            authority.process.arguments = ["python3", script, authority.directory.path]
            // Its first line goes to a file, read back by path: a pipe's descriptor can be closed under us when
            // another test's Pipe is freed and its number was reused, which read back as an empty line.
            let out = authority.directory.path("authority.out")
            FileManager.default.createFile(atPath: out, contents: nil)
            authority.process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            authority.process.standardInput = authority.lifeline
            try authority.process.run()
            let line = try await FirstLine.read(from: out, process: authority.process)
            let info = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            authority.proxy = info["proxy"] as? String ?? ""
            authority.messages = info["messages"] as? [String: String] ?? [:]
            return authority
        }

        var config: String {
            """
            webhooks:
              cloudwatch:
                trust_roots: \(directory.path("ca.pem"))
                proxy: "\(proxy)"
            """
        }

        var requests: [String] {
            (directory.read("requests.log") ?? "").split(separator: "\n").map(String.init)
        }

        deinit {
            process.terminate()
        }
    }

    func post(_ client: some TestClientProtocol, _ test: TestServer, _ body: String?) async throws -> (
        Int, [String: Any]
    ) {
        var result: (Int, [String: Any]) = (0, [:])
        let headers: HTTPFields = [.authorization: "Bearer \(test.token)", .contentType: "text/plain; charset=UTF-8"]
        try await client.execute(
            uri: "/webhooks/cloudwatch", method: .post, headers: headers, body: (body ?? "").buffer
        ) { response in
            result = (Int(response.status.code), response.body.json)
        }
        return result
    }

    @Test("a certificate fetched from Amazon's host, chaining to a trust root, verifies; it is fetched once")
    func fetchedAndCached() async throws {
        let authority = try await Authority.start()
        let test = try await TestServer(authority.config)
        try await test.application().test(.router) { client in
            let (status, body) = try await post(client, test, authority.messages["chain"])
            #expect(status == 200, "\(body)")
            #expect((body["outcomes"] as? [String: Int])?["opened"] == 1)
            #expect(try await post(client, test, authority.messages["chain"]).0 == 200)
        }
        let fetches = authority.requests.filter { $0.hasPrefix("GET https://") }
        #expect(
            fetches == ["GET https://sns.us-east-1.amazonaws.com/SimpleNotificationService-chain.pem"], "cached by URL")
        #expect(try await test.store.incidents().count == 1)
    }

    @Test("a leaf alone is completed with its issuer from amazontrust.com (Authority Information Access)")
    func issuerFetched() async throws {
        let authority = try await Authority.start()
        let test = try await TestServer(authority.config)
        try await test.application().test(.router) { client in
            let (status, body) = try await post(client, test, authority.messages["leaf"])
            #expect(status == 200, "\(body)")
        }
        #expect(authority.requests.contains("GET http://crt.test.amazontrust.com/intermediate.der"))
    }

    @Test(
        "refused: a host that is not Amazon's (never fetched), an expired certificate, one that chains to no trusted root",
        arguments: [
            ("foreign", "is not an https URL on sns.<region>.amazonaws.com"),
            ("expired", "is not valid now"),
            ("rogue", "does not chain to a trusted root"),
        ])
    func refused(variant: String, reason: String) async throws {
        let authority = try await Authority.start()
        let test = try await TestServer(authority.config)
        try await test.application().test(.router) { client in
            let (status, body) = try await post(client, test, authority.messages[variant])
            #expect(status == 403)
            #expect((body["detail"] as? String)?.contains(reason) == true, "\(body)")
        }
        if variant == "foreign" { #expect(authority.requests.isEmpty, "nothing was fetched from another host") }
        #expect(try await test.store.incidents().isEmpty)
    }
}
