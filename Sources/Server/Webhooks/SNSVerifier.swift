import Crypto
import _CryptoExtras
import Config
import Foundation
import Incidents
import X509

/// Checks SNS deliveries: the topic is allowed, the signing certificate URL is Amazon's, and the signature
/// (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) verifies with one of the configured local certificates.
struct SNSVerifier: Sendable {
    let keys: [_RSA.Signing.PublicKey]
    let topics: Set<String>
    let verify: Bool

    /// Loads the certificates named in the settings.
    /// - Throws: ``ConfigError`` when the file or directory cannot be read or holds no RSA certificate.
    init(settings: CloudWatchSettings) throws {
        topics = Set(settings.topics)
        verify = settings.verifySignatures
        guard let path = settings.certificates else {
            keys = []
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError("webhooks.cloudwatch.certificates: \(path) does not exist; point it at the SNS signing certificate (PEM) or a directory of them")
        }
        let files = isDirectory.boolValue
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
            throw ConfigError("webhooks.cloudwatch.certificates: no certificate found in \(path); it needs PEM blocks (-----BEGIN CERTIFICATE-----)")
        }
        self.keys = keys
    }

    /// Why a delivery is refused, or nothing when it may pass.
    func check(_ message: SNSMessage) throws(SNSRejection) {
        if !topics.isEmpty, !topics.contains(message.topicArn) {
            throw SNSRejection("topic \(message.topicArn) is not in webhooks.cloudwatch.topics")
        }
        guard verify else { return }
        guard let url = URL(string: message.signingCertURL), url.scheme == "https", let host = url.host,
            host.hasPrefix("sns."), host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
        else {
            throw SNSRejection("SigningCertURL '\(message.signingCertURL)' is not an https URL on sns.*.amazonaws.com")
        }
        guard !keys.isEmpty else {
            throw SNSRejection("no SNS signing certificate is configured; set webhooks.cloudwatch.certificates to the PEM file (or turn verify_signatures off)")
        }
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
            throw SNSRejection("the signature does not verify with the configured certificates; the message was altered or signed by another key")
        }
    }
}

/// A refused SNS delivery.
struct SNSRejection: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
