import AsyncHTTPClient
import Basics
import Crypto
import Foundation
import NIOCore
import NIOSSL
import Synchronization
import X509
import _CryptoExtras

/// SNS signing certificates fetched from each message's `SigningCertURL`, as AWS's own validators do: only over
/// HTTPS, only from `sns.<region>.amazonaws.com` (or `.amazonaws.com.cn`), checked to be valid now and to chain
/// to a trust root, and cached by URL. AWS rotates this certificate; a copy on local disk would start refusing
/// every alarm the day it does.
///
/// The fetched PEM may hold the leaf alone. Its issuer is then fetched from the leaf's Authority Information
/// Access, but only from `*.amazontrust.com`, Amazon's CA host; the issuer is itself checked by the chain.
actor SigningCertificates {
    /// Where trust comes from, and how to reach the network.
    struct Configuration: Sendable {
        /// Trust roots (PEM); the system's when `nil`.
        var trustRootsPEM: String?
        /// An HTTP proxy, `http://host:port`.
        var proxy: (host: String, port: Int)?
        var timeout: Duration = .seconds(10)
        /// The largest certificate answer read.
        var maxBytes = 16 * 1024
        /// How long a checked certificate is reused before it is fetched again.
        var cacheFor: TimeInterval = 24 * 3600
    }

    private struct Entry {
        var key: _RSA.Signing.PublicKey
        var expires: Date
    }

    private let configuration: Configuration
    private let roots: CertificateStore
    private let client: HTTPClient
    private var cache: [String: Entry] = [:]
    /// How many certificates were fetched (tests read it to see the cache work).
    private(set) var fetches = 0

    init(configuration: Configuration) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        if let pem = configuration.trustRootsPEM {
            roots = CertificateStore(try Self.certificates(inPEM: pem))
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
        } else {
            roots = CertificateStore.systemTrustRoots
        }
        var settings = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        settings.connectionPool.retryConnectionEstablishment = false
        if let proxy = configuration.proxy {
            settings.proxy = .server(host: proxy.host, port: proxy.port)
        }
        let key =
            "\(configuration.proxy.map { "\($0.host):\($0.port)" } ?? "-")|\(configuration.trustRootsPEM ?? "system")"
        client = Self.clients.withLock { clients in
            if let client = clients[key] { return client }
            let client = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: settings)
            clients[key] = client
            return client
        }
    }

    /// One client per proxy and trust roots, for the life of the process (a server has one configuration; a
    /// client must be shut down before it is released, and these never are).
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// Whether `text` is a certificate URL Firebreak may fetch: https, no user, port, query or fragment, on an SNS
    /// host, and a path shaped like SNS's own (`/SimpleNotificationService-<id>.pem`), so that a token holder cannot
    /// make the server fetch (and cache) a different URL per message.
    nonisolated static func isAllowed(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), components.scheme == "https",
            components.user == nil, components.password == nil, components.port == nil || components.port == 443,
            components.query == nil, components.fragment == nil, let host = components.host?.lowercased()
        else { return false }
        return host.wholeMatch(of: #/sns\.[a-z0-9][a-z0-9-]*[a-z0-9]\.amazonaws\.com(\.cn)?/#) != nil
            && components.path.wholeMatch(of: #/\/SimpleNotificationService-[A-Za-z0-9]+\.pem/#) != nil
    }

    /// The public key that signs messages carrying `url`, fetched and checked, or from the cache.
    /// - Throws: ``SNSRejection`` saying what failed: the host, the fetch, the validity, the chain.
    func key(for url: String, now: Date) async throws(SNSRejection) -> _RSA.Signing.PublicKey {
        if let entry = cache[url], entry.expires > now { return entry.key }
        guard Self.isAllowed(url) else {
            throw SNSRejection(
                "SigningCertURL '\(url)' is not an https URL on sns.<region>.amazonaws.com; refusing to fetch it")
        }
        let certificates = try await fetchCertificates(url)
        guard let leaf = certificates.first else { throw SNSRejection("\(url) holds no certificate") }
        guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
            throw SNSRejection(
                "the signing certificate at \(url) is not valid now (valid \(leaf.notValidBefore) to \(leaf.notValidAfter))"
            )
        }
        try await verifyChain(leaf, intermediates: Array(certificates.dropFirst()), now: now, url: url)
        guard let key = _RSA.Signing.PublicKey(leaf.publicKey) else {
            throw SNSRejection("the signing certificate at \(url) does not hold an RSA key; SNS signs with RSA")
        }
        if cache.count >= 64 { cache = cache.filter { $0.value.expires > now } }
        if cache.count >= 64, let oldest = cache.min(by: { $0.value.expires < $1.value.expires })?.key {
            cache[oldest] = nil
        }
        cache[url] = Entry(key: key, expires: min(leaf.notValidAfter, now.addingTimeInterval(configuration.cacheFor)))
        return key
    }

    private func verifyChain(_ leaf: Certificate, intermediates: [Certificate], now: Date, url: String)
        async throws(SNSRejection)
    {
        var pool = intermediates
        // At most two issuers fetched by AIA: leaf → intermediate → (cross-signed) intermediate → root.
        for _ in 0..<3 {
            var verifier = Verifier(rootCertificates: roots) { RFC5280Policy() }
            if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore(pool)) {
                return
            }
            let last = pool.last ?? leaf
            guard let issuerURL = Self.issuerURL(of: last), let issuer = try? await fetchCertificates(issuerURL).first
            else { break }
            pool.append(issuer)
        }
        throw SNSRejection(
            "the signing certificate at \(url) does not chain to a trusted root; it was not issued for SNS by Amazon's CA"
        )
    }

    /// The `caIssuers` URL of `certificate`, when it is on Amazon's CA host.
    private static func issuerURL(of certificate: Certificate) -> String? {
        guard let access = try? certificate.extensions.authorityInformationAccess else { return nil }
        for description in access where description.method == .issuingCA {
            guard case .uniformResourceIdentifier(let text) = description.location,
                let host = URLComponents(string: text)?.host?.lowercased(),
                host == "amazontrust.com" || host.hasSuffix(".amazontrust.com")
            else { continue }
            return text
        }
        return nil
    }

    /// The certificates (PEM blocks, or one DER certificate) at `url`.
    private func fetchCertificates(_ url: String) async throws(SNSRejection) -> [Certificate] {
        fetches += 1
        let body: ByteBuffer
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "firebreak-sns")
            let response = try await client.execute(request, timeout: .milliseconds(configuration.timeout.milliseconds))
            guard response.status == .ok else {
                throw SNSRejection("fetching \(url) answered \(response.status.code)")
            }
            body = try await response.body.collect(upTo: configuration.maxBytes)
        } catch let error as SNSRejection {
            throw error
        } catch {
            throw SNSRejection("cannot fetch the signing certificate \(url): \(error)")
        }
        let bytes = Array(buffer: body)
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("-----BEGIN CERTIFICATE-----") {
            guard let certificates = try? Self.certificates(inPEM: text) else {
                throw SNSRejection("\(url) holds a PEM block that is not a certificate")
            }
            return certificates
        }
        guard let certificate = try? Certificate(derEncoded: bytes) else {
            throw SNSRejection("\(url) does not hold a certificate (PEM or DER)")
        }
        return [certificate]
    }

    /// Every `CERTIFICATE` block of a PEM text, in order.
    /// - Throws: the parser's error for a block that is not a certificate.
    nonisolated static func certificates(inPEM text: String) throws -> [Certificate] {
        var result: [Certificate] = []
        for block in text.components(separatedBy: "-----END CERTIFICATE-----") {
            guard let start = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
            result.append(try Certificate(pemEncoded: String(block[start.lowerBound...]) + "-----END CERTIFICATE-----"))
        }
        return result
    }
}
