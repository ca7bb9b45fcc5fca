import FirebreakTesting
import Foundation
import Testing

/// What a hostile client sends on the wire, against a real `firebreak serve`: each answer is the documented JSON
/// error with a request id, and the connection is closed rather than left to read the rest.
@Suite("the HTTP contract on the wire", .serialized)
struct HTTPContractTests {
    /// Sends raw bytes with Python's socket module and returns the status line, the headers and the body.
    static func exchange(port: Int, _ script: String) async throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import json, socket, sys, time
            port = int(sys.argv[1])
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            \(script)
            data = b""
            s.settimeout(20)
            start = time.time()
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if b"\\r\\n\\r\\n" in data:
                        head, _, body = data.partition(b"\\r\\n\\r\\n")
                        length = [int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")]
                        if length and len(body) >= length[0]:
                            # The server must close now; wait briefly for the FIN.
                            s.settimeout(5)
            except socket.timeout:
                pass
            closed = time.time() - start < 10
            head, _, body = data.partition(b"\\r\\n\\r\\n")
            lines = head.decode().split("\\r\\n")
            headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
            print(json.dumps({"status": lines[0], "headers": headers, "body": body.decode(errors="replace"), "closed": closed}))
            """, String(port),
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = try await offThePool {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    @Test("a chunked body over max_body is 413 body_too_large, and the connection closes")
    func chunkedTooLarge() async throws {
        let directory = TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        let answer = try await Self.exchange(
            port: server.port,
            """
            s.sendall(b"POST /webhooks/generic HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n")
            chunk = b"a" * 65536
            try:
                for _ in range(800):   # 50 MiB
                    s.sendall(b"%x\\r\\n" % len(chunk) + chunk + b"\\r\\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            """)
        #expect((answer["status"] as? String)?.hasPrefix("HTTP/1.1 413") == true, "\(answer)")
        let body =
            (answer["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
            as? [String: Any]
        #expect(body?["error"] as? String == "body_too_large")
        let headers = answer["headers"] as? [String: String] ?? [:]
        #expect(headers["connection"] == "close")
        #expect(headers["x-request-id"] != nil)
        #expect(answer["closed"] as? Bool == true)
    }

    @Test("an Authorization header over 80 KB is a JSON 400 with a request id")
    func hugeHeader() async throws {
        let directory = TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        let answer = try await Self.exchange(
            port: server.port,
            """
            s.sendall(b"GET /api/v1/incidents HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer " + b"a" * 90000 + b"\\r\\n\\r\\n")
            """)
        #expect((answer["status"] as? String)?.hasPrefix("HTTP/1.1 400") == true, "\(answer)")
        let body =
            (answer["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
            as? [String: Any]
        #expect(body?["error"] as? String == "bad_request")
        #expect((body?["detail"] as? String)?.contains("80 KB") == true)
        #expect((answer["headers"] as? [String: String])?["x-request-id"] != nil)
        // The server is still up for everyone else.
        let (status, _) = try await ServeProcessTests.request("GET", "\(server.baseURL)/health")
        #expect(status == 200 || status == 503)
    }
}
