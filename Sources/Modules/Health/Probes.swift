import AsyncHTTPClient
import Basics
import Foundation
import NIOCore
import Store
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

/// One attempt of each probe kind. Each returns a status and a message; latency is measured by the caller.
enum Probes {
    static func run(_ check: HealthCheck, store: (any Storage)?, now: Date) async -> (HealthStatus, String) {
        switch check.probe {
        case .http(let url, let method, let expect, let contains):
            return await http(url: url, method: method, expect: expect, contains: contains, timeout: check.timeout)
        case .tcp(let host, let port):
            return await tcp(host: host, port: port, timeout: check.timeout)
        case .sqlite(let path, let query, let expect):
            return await Task.detached {
                do {
                    let value = try SQLiteFiles.probe(path: path, query: query)
                    if let expect, value != expect {
                        return (.unhealthy, "\(query) returned \(value ?? "no row"), expected \(expect)")
                    }
                    return (.healthy, "\(query) returned \(value ?? "no row")")
                } catch {
                    return (.unhealthy, "\(error)")
                }
            }.value
        case .disk(let path, let minimum):
            var stats = statvfs()
            guard statvfs(path, &stats) == 0, stats.f_blocks > 0 else {
                return (.unhealthy, "cannot read the free space of \(path): \(String(cString: strerror(errno)))")
            }
            let free = Double(stats.f_bavail) / Double(stats.f_blocks) * 100
            let freeBytes = Int64(stats.f_bavail) * Int64(stats.f_frsize)
            let text = String(
                format: "%.1f%% free (%@) on %@, minimum %.1f%%", free,
                ByteCountFormatter.string(fromByteCount: freeBytes, countStyle: .binary), path, minimum)
            return (free >= minimum ? .healthy : .unhealthy, text)
        case .command(let command):
            return await run(command: command, timeout: check.timeout)
        case .backupFreshness(let source, let maxAge):
            guard let store else { return (.unhealthy, "no catalog is open to read backups from") }
            do {
                guard let backup = try await store.latestBackup(source: source) else {
                    return (
                        .unhealthy, "no good backup of \(source); take one with 'firebreak backup create \(source)'"
                    )
                }
                let age = max(0, now.timeIntervalSince(backup.createdAt))
                let limit = Double(maxAge.milliseconds) / 1000
                let text =
                    "newest backup \(backup.id) is \(DurationParser.format(.seconds(Int64(age)))) old (limit \(DurationParser.format(maxAge)))"
                return (age <= limit ? .healthy : .unhealthy, text)
            } catch {
                return (.unhealthy, "\(error)")
            }
        }
    }

    static func http(url: String, method: String, expect: [Int], contains: String?, timeout: Duration) async -> (
        HealthStatus, String
    ) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "User-Agent", value: "firebreak-health")
        do {
            let response = try await probeClient.execute(request, timeout: .milliseconds(timeout.milliseconds))
            let body = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            guard expect.contains(status) else {
                return (
                    .unhealthy,
                    "\(method) \(url) answered \(status), expected \(expect.map(String.init).joined(separator: " or "))"
                )
            }
            if let contains, !String(buffer: body).contains(contains) {
                return (.unhealthy, "\(method) \(url) answered \(status) but the body does not contain \"\(contains)\"")
            }
            return (.healthy, "\(method) \(url) answered \(status)")
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            return (.unhealthy, "\(method) \(url) timed out after \(DurationParser.format(timeout))")
        } catch {
            return (.unhealthy, "\(method) \(url) failed: \(describe(error, url: url))")
        }
    }

    /// The client of HTTP checks. It does not retry a refused connection until the deadline, as the shared client
    /// does: a check has its own `retries`, and a closed port must fail at once.
    static let probeClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration)
    }()

    /// A network error in words: `connection refused (127.0.0.1:9000)` rather than NIO's type dump.
    static func describe(_ error: any Error, url: String) -> String {
        let text = String(describing: error)
        let components = URLComponents(string: url)
        let address = "\(components?.host ?? "?"):\(components?.port ?? (components?.scheme == "https" ? 443 : 80))"
        for (needle, words) in [
            ("Connection refused", "connection refused"), ("No route to host", "no route to host"),
            ("Network is unreachable", "network unreachable"), ("Connection reset", "connection reset"),
        ]
        where text.contains(needle) {
            return "\(words) (\(address))"
        }
        if text.contains("lookup") || text.contains("resolve") || text.contains("getaddrinfo") {
            return "cannot resolve \(components?.host ?? url)"
        }
        return text
    }

    static func tcp(host: String, port: Int, timeout: Duration) async -> (HealthStatus, String) {
        await Task.detached {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                return (.unhealthy, "cannot resolve \(host)")
            }
            defer { freeaddrinfo(list) }
            let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
            guard descriptor >= 0 else {
                return (.unhealthy, "cannot open a socket: \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            if connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                return (.unhealthy, "connect to \(host):\(port) failed: \(String(cString: strerror(errno)))")
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: timeout.milliseconds))
            guard ready > 0 else {
                return (.unhealthy, "connect to \(host):\(port) timed out after \(DurationParser.format(timeout))")
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
            guard failure == 0 else {
                return (.unhealthy, "connect to \(host):\(port) failed: \(String(cString: strerror(failure)))")
            }
            return (.healthy, "connected to \(host):\(port)")
        }.value
    }

    static func run(command: String, timeout: Duration) async -> (HealthStatus, String) {
        do {
            let result = try await withThrowingTaskGroup(of: (Bool, String)?.self) { group in
                group.addTask {
                    let outcome = try await Subprocess.run(
                        .path("/bin/sh"), arguments: ["-c", command], output: .string(limit: 64 * 1024),
                        error: .combinedWithOutput)
                    let tail = outcome.standardOutput.split(separator: "\n").suffix(2).joined(separator: " | ")
                    let ended =
                        switch outcome.terminationStatus {
                        case .exited(let code): "the command exited \(code)"
                        case .signaled(let signal): "the command was killed by signal \(signal)"
                        }
                    return (outcome.terminationStatus.isSuccess, ended + (tail.isEmpty ? "" : ": \(tail)"))
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let (success, detail) = result else {
                return (.unhealthy, "the command did not finish within \(DurationParser.format(timeout))")
            }
            return (success ? .healthy : .unhealthy, detail)
        } catch {
            return (.unhealthy, "cannot run the command: \(error)")
        }
    }
}
