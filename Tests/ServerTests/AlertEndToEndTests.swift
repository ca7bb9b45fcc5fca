import AsyncHTTPClient
import FirebreakTesting
import Foundation
import GRDB
import NIOCore
import Synchronization
import Testing

/// Real senders and real crashes: Prometheus Alertmanager posting to `firebreak serve`, and `kill -9` under load.
@Suite("Alerts end to end", .serialized)
struct AlertEndToEndTests {
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound -> Int32 in
                guard bind(socket, rebound, length) == 0 else { return -1 }
                return getsockname(socket, rebound, &length)
            }
        }
        try #require(bound == 0, "no free loopback port")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func post(_ url: String, _ body: String, headers: [(String, String)] = []) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(buffer: data))
    }

    static func get(_ url: String, token: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
    }

    /// Polls `check` every 200 ms for up to `seconds`; returns its last value.
    static func eventually<T>(_ seconds: Double = 30, _ check: () async throws -> T?) async throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    /// Starts the Debian package's Alertmanager on a free port, routing every alert to Firebreak's webhook with
    /// `token`, grouped by alertname and service, and waits until it is ready. Returns it and its base URL.
    static func startAlertmanager(in directory: TemporaryDirectory, posting firebreak: String, token: String)
        async throws -> (Process, String)
    {
        let amPort = try Self.freePort()
        _ = directory.write(
            "alertmanager.yml",
            """
            route:
              receiver: firebreak
              group_by: [alertname, service]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: firebreak
                webhook_configs:
                  - url: \(firebreak)/webhooks/alertmanager
                    send_resolved: true
                    http_config:
                      authorization: { credentials: \(token) }
            """)
        let alertmanager = Process()
        alertmanager.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        alertmanager.arguments = [
            "--config.file=\(directory.path("alertmanager.yml"))", "--storage.path=\(directory.path("am-data"))",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
        ]
        let amLog = directory.url.appendingPathComponent("alertmanager.log")
        FileManager.default.createFile(atPath: amLog.path, contents: nil)
        alertmanager.standardError = try FileHandle(forWritingTo: amLog)
        alertmanager.standardOutput = FileHandle.nullDevice
        // No skip: without the Debian package prometheus-alertmanager (make deps installs it) this throws and fails.
        try alertmanager.run()
        let base = "http://127.0.0.1:\(amPort)"
        let ready = try await Self.eventually {
            let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "\(base)/-/ready"), timeout: .seconds(2))
            return response?.status == .ok ? true : nil
        }
        #expect(
            ready == true,
            "Alertmanager did not become ready: \((try? String(contentsOf: amLog, encoding: .utf8)) ?? "")")
        return (alertmanager, base)
    }

    @Test(
        "a real Alertmanager fires: P1 incident, the matching runbook runs; the alert ends: the incident auto-resolves")
    func realAlertmanager() async throws {
        let directory = TemporaryDirectory()
        _ = directory.write(
            "runbooks/checkout.md",
            """
            ---
            id: checkout-errors
            triggers:
              - alertname: HighErrorRate
                labels: { service: checkout }
            ---
            # Checkout errors

            ```sh {name=look}
            echo "looking at $ALERT_LABEL_SERVICE"
            ```
            """)
        let token = try await CommandLineTool.run(["token", "create", "alertmanager"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        let (alertmanager, base) = try await Self.startAlertmanager(
            in: directory, posting: server.baseURL, token: token)
        defer { alertmanager.terminate() }

        let formatter = ISO8601DateFormatter()
        let start = formatter.string(from: Date().addingTimeInterval(-5))
        let labels = #"{"alertname":"HighErrorRate","service":"checkout","severity":"critical"}"#
        let (status, _) = try await Self.post(
            "\(base)/api/v2/alerts",
            #"[{"labels":\#(labels),"annotations":{"summary":"High 5xx error rate on checkout"},"startsAt":"\#(start)"}]"#
        )
        #expect(status == 200)
        let incident = try await Self.eventually {
            let list = try await Self.get("\(server.baseURL)/api/v1/incidents", token: token)
            return (list["incidents"] as? [[String: Any]])?.first
        }
        #expect(incident?["severity"] as? String == "P1", "severity=critical maps to P1; log: \(server.log)")
        let run = try await Self.eventually {
            let runs = try await Self.get("\(server.baseURL)/api/v1/runs", token: token)
            let first = (runs["runs"] as? [[String: Any]])?.first
            return first?["status"] as? String == "succeeded" ? first : nil
        }
        #expect(run?["runbook"] as? String == "checkout-errors")
        #expect(run?["incident_id"] as? String == "INC-1")

        let end = formatter.string(from: Date().addingTimeInterval(-1))
        let (again, _) = try await Self.post(
            "\(base)/api/v2/alerts",
            #"[{"labels":\#(labels),"annotations":{"summary":"High 5xx error rate on checkout"},"startsAt":"\#(start)","endsAt":"\#(end)"}]"#
        )
        #expect(again == 200)
        let resolved = try await Self.eventually {
            let shown = try await Self.get("\(server.baseURL)/api/v1/incidents/INC-1", token: token)
            return shown["status"] as? String == "resolved" ? shown : nil
        }
        #expect(resolved != nil, "the incident auto-resolves when Alertmanager reports the alert resolved")
    }

    @Test("kill -9 under load: every alert answered 2xx is in the database after the restart")
    func crashDurability() async throws {
        let directory = TemporaryDirectory()
        let token = try await CommandLineTool.run(["token", "create", "crash"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess.start(in: directory.url)
        let acknowledged = Acknowledged()
        let url = "\(server.baseURL)/webhooks/generic"
        let workers = (0..<16).map { worker in
            Task {
                var index = 0
                while !Task.isCancelled {
                    let key = "crash-\(worker)-\(index)"
                    index += 1
                    do {
                        let (status, _) = try await Self.post(
                            url, #"{"name":"Crash","key":"\#(key)","labels":{"n":"\#(key)"}}"#,
                            headers: [("Authorization", "Bearer \(token)")])
                        if status == 200 { acknowledged.keys.withLock { $0.append(key) } }
                    } catch {
                        return
                    }
                }
            }
        }
        _ = try await Self.eventually(20) { acknowledged.keys.withLock { $0.count } >= 300 ? true : nil }
        server.signal(SIGKILL)
        _ = await server.waitForExit(timeout: .seconds(10))
        for worker in workers { worker.cancel() }
        for worker in workers { await worker.value }
        let answered = Set(acknowledged.keys.withLock { $0 })
        #expect(answered.count >= 300, "the load ran")

        let restarted = try await ServerProcess.start(in: directory.url, logName: "serve-2.log")
        defer { restarted.signal(SIGTERM) }
        let database = try DatabaseQueue(path: directory.url.appendingPathComponent(".firebreak/firebreak.db").path)
        let stored = Set(try await database.read { db in try String.fetchAll(db, sql: "SELECT key FROM alerts") })
        let lost = answered.subtracting(stored)
        #expect(
            lost.isEmpty, "\(lost.count) of \(answered.count) acknowledged alerts were lost: \(lost.sorted().prefix(5))"
        )
    }
}

extension AlertEndToEndTests {
    @Test("kill -9 mid-run: the next serve continues the alert's run; the finished step never runs again")
    func serveResumesRuns() async throws {
        let directory = TemporaryDirectory()
        let log = directory.path("log")
        let marker = directory.path("second-started")
        directory.write(
            "runbooks/slow.md",
            """
            ---
            id: slow
            triggers:
              - alertname: Slow
            ---
            # Slow

            ```sh {name=first}
            echo first >> '\(log)'
            ```

            ```sh {name=second idempotent=true}
            # The first attempt hangs until the crash (the restart reaps it); the second is quick.
            if [ ! -f '\(marker)' ]; then touch '\(marker)'; sleep 60; fi
            echo second >> '\(log)'
            ```
            """)
        let token = try await CommandLineTool.run(["token", "create", "t"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess.start(in: directory.url)
        let (status, _) = try await Self.post(
            "\(server.baseURL)/webhooks/generic", #"{"name":"Slow","key":"s1"}"#,
            headers: [("Authorization", "Bearer \(token)")])
        #expect(status == 200)
        let started = try await Self.eventually(20) { FileManager.default.fileExists(atPath: marker) ? true : nil }
        #expect(started == true)
        server.signal(SIGKILL)
        _ = await server.waitForExit(timeout: .seconds(10))

        let restarted = try await ServerProcess.start(in: directory.url, logName: "serve-2.log")
        defer { restarted.signal(SIGTERM) }
        let finished = try await Self.eventually(30) { () -> Bool? in
            let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path).stdout
            return shown.contains("\"status\" : \"succeeded\"") ? true : nil
        }
        #expect(finished == true, "RUN-1 did not finish after the restart:\n\(restarted.log)")
        #expect(directory.read("log") == "first\nsecond\n", "the finished step ran once, the idempotent one again")
        #expect(restarted.log.contains("continuing 1 run(s) left unfinished: RUN-1"))
    }
}

/// The keys the server answered 2xx for, shared by the load tasks.
final class Acknowledged: Sendable {
    let keys = Mutex<[String]>([])
}
