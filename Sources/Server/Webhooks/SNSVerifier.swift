import Config
import Crypto
import Foundation
import Incidents
import X509
import _CryptoExtras

/// Checks SNS deliveries: the topic is allowed, the signing certificate URL is Amazon's, and the signature
/// (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) verifies with the certificate at `SigningCertURL`
/// (fetched, checked and cached by ``SigningCertificates``), or, offline, with one of the configured local
/// certificates.
struct SNSVerifier: Sendable {
    let keys: [_RSA.Signing.PublicKey]
    let topics: Set<String>
    let verify: Bool
    /// Fetches certificates when no local ones are configured.
    let fetched: SigningCertificates?

    /// Loads the certificates named in the settings, or prepares to fetch them.
    /// - Throws: ``ConfigError`` when a file or directory cannot be read or holds no usable certificate.
    init(settings: CloudWatchSettings) throws {
        topics = Set(settings.topics)
        verify = settings.verifySignatures
        guard let path = settings.certificates else {
            keys = []
            fetched = verify ? try Self.fetcher(settings) : nil
            return
        }
        fetched = nil
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(
                "webhooks.cloudwatch.certificates: \(path) does not exist; point it at the SNS signing certificate (PEM) or a directory of them"
            )
        }
        let files =
            isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
                .filter { $0.hasSuffix(".pem") || $0.hasSuffix(".crt") }.map { path + "/" + $0 }
            : [path]
        var keys: [_RSA.Signing.PublicKey] = []
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for block in text.components(separatedBy: "-----END CERTIFICATE-----") {
                guard let start = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
                let pem = String(block[start.lowerBound...]) + "-----END CERTIFICATE-----"
                do {
                    let certificate = try Certificate(pemEncoded: pem)
                    guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                        throw ConfigError("\(file): the certificate's key is not RSA; SNS signs with RSA")
                    }
                    keys.append(key)
                } catch let error as ConfigError {
                    throw error
                } catch {
                    throw ConfigError("\(file): not a PEM certificate: \(error)")
                }
            }
        }
        guard !keys.isEmpty else {
            throw ConfigError(
                "webhooks.cloudwatch.certificates: no certificate found in \(path); it needs PEM blocks (-----BEGIN CERTIFICATE-----)"
            )
        }
        self.keys = keys
    }

    static func fetcher(_ settings: CloudWatchSettings) throws -> SigningCertificates {
        var configuration = SigningCertificates.Configuration()
        if let path = settings.trustRoots {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(
                    "webhooks.cloudwatch.trust_roots: cannot read \(path); point it at a PEM file of CA certificates")
            }
            let roots = (try? SigningCertificates.certificates(inPEM: text)) ?? []
            guard !roots.isEmpty else {
                throw ConfigError(
                    "webhooks.cloudwatch.trust_roots: no certificate found in \(path); it needs PEM blocks (-----BEGIN CERTIFICATE-----)"
                )
            }
            configuration.trustRootsPEM = text
        }
        if let proxy = settings.proxy.flatMap(URLComponents.init(string:)), let host = proxy.host, let port = proxy.port
        {
            configuration.proxy = (host, port)
        }
        return try SigningCertificates(configuration: configuration)
    }

    /// Why a delivery is refused, or nothing when it may pass.
    func check(_ message: SNSMessage, now: Date = Date()) async throws(SNSRejection) {
        if !topics.isEmpty, !topics.contains(message.topicArn) {
            throw SNSRejection("topic \(message.topicArn) is not in webhooks.cloudwatch.topics")
        }
        guard verify else { return }
        guard SigningCertificates.isAllowed(message.signingCertURL) else {
            throw SNSRejection(
                "SigningCertURL '\(message.signingCertURL)' is not an https URL on sns.<region>.amazonaws.com")
        }
        let keys = try await self.keys(for: message, now: now)
        guard let signature = Data(base64Encoded: message.signature) else {
            throw SNSRejection("Signature is not base64")
        }
        let text: String
        do {
            text = try message.stringToSign()
        } catch {
            throw SNSRejection(error.message)
        }
        let data = Data(text.utf8)
        let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid: Bool
        switch message.signatureVersion {
        case "1":
            let digest = Insecure.SHA1.hash(data: data)
            valid = keys.contains { $0.isValidSignature(rsa, for: digest, padding: .insecurePKCS1v1_5) }
        case "2":
            let digest = SHA256.hash(data: data)
            valid = keys.contains { $0.isValidSignature(rsa, for: digest, padding: .insecurePKCS1v1_5) }
        default:
            throw SNSRejection("SignatureVersion '\(message.signatureVersion)' is not 1 or 2")
        }
        guard valid else {
            let with = fetched == nil ? "the configured certificates" : "the certificate at \(message.signingCertURL)"
            throw SNSRejection(
                "the signature does not verify with \(with); the message was altered or signed by another key")
        }
    }

    /// The keys a message may be signed with: the local ones, or the fetched certificate of its URL.
    private func keys(for message: SNSMessage, now: Date) async throws(SNSRejection) -> [_RSA.Signing.PublicKey] {
        if let fetched { return [try await fetched.key(for: message.signingCertURL, now: now)] }
        guard !keys.isEmpty else {
            throw SNSRejection(
                "no SNS signing certificate is configured; set webhooks.cloudwatch.certificates to the PEM file (or turn verify_signatures off)"
            )
        }
        return keys
    }
}

/// A refused SNS delivery.
struct SNSRejection: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
