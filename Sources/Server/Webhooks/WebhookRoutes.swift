import AsyncHTTPClient
import Config
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Incidents
import Logging
import NIOCore
import Store

/// `POST /webhooks/{alertmanager,grafana,cloudwatch,generic}` and the PagerDuty-compatible `POST /v2/enqueue`.
struct WebhookRoutes: Sendable {
    let pipeline: AlertPipeline
    let store: any Storage
    let settings: WebhookSettings
    let sns: SNSVerifier
    let tokens: TokenVerdictCache
    let logger: Logger

    func register(webhooks: RouterGroup<FirebreakContext>, pagerDuty: RouterGroup<FirebreakContext>) {
        webhooks.post("alertmanager") { request, context in
            try await ingest(.alerts(decode(request, AlertSources.alertmanager)), context)
        }
        webhooks.post("grafana") { request, context in
            let body = try await Self.body(request)
            try checkGrafanaSignature(request, body: body)
            return try await ingest(.alerts(decode(body, AlertSources.grafana)), context)
        }
        webhooks.post("generic") { request, context in
            try await ingest(.alerts(decode(request, AlertSources.generic)), context)
        }
        webhooks.post("cloudwatch", use: cloudwatch)
        pagerDuty.post("enqueue", use: enqueue)
    }

    // MARK: Alertmanager, Grafana, generic

    private func ingest(_ request: IngestRequest, _ context: FirebreakContext) async throws -> Response {
        let summary = try await pipeline.ingest(request, requestID: context.requestID)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: Self.answer(summary))))
    }

    /// `{"alerts":…,"incidents":[…],"outcomes":{…},"runs":[…],"status":"ok"}`, written by hand: this answer goes
    /// out for every alert of a storm.
    static func answer(_ summary: IngestSummary) -> String {
        func list(_ items: [String]) -> String {
            "[" + items.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]"
        }
        let outcomes = summary.outcomes.keys.sorted().map { "\"\($0)\":\(summary.outcomes[$0]!)" }.joined(
            separator: ",")
        return
            #"{"alerts":\#(summary.alerts),"incidents":\#(list(summary.incidents)),"outcomes":{\#(outcomes)},"runs":\#(list(summary.runs)),"status":"ok"}"#
    }

    static func body(_ request: Request) async throws -> Data {
        var request = request
        return Data(buffer: try await request.collectBody(upTo: .max))
    }

    private func decode(_ request: Request, _ decoder: (Data) throws(AlertPayloadError) -> AlertBatch) async throws
        -> AlertBatch
    {
        try decode(try await Self.body(request), decoder)
    }

    private func decode(_ body: Data, _ decoder: (Data) throws(AlertPayloadError) -> AlertBatch) throws -> AlertBatch {
        do {
            return try decoder(body)
        } catch {
            throw APIError(.badRequest, "invalid_payload", error.message)
        }
    }

    /// Grafana signs the body with HMAC-SHA256 (hex) when its contact point has a secret; with a timestamp header,
    /// it signs `timestamp:body`.
    private func checkGrafanaSignature(_ request: Request, body: Data) throws {
        guard let secret = settings.grafanaSecret else { return }
        guard let signature = request.headers[HTTPField.Name("X-Grafana-Alerting-Signature")!] else {
            throw APIError(
                .unauthorized, "signature_required",
                "webhooks.grafana.secret is set, so X-Grafana-Alerting-Signature is required; set the same HMAC secret on the Grafana contact point"
            )
        }
        var signed = Data()
        if let timestamp = request.headers[HTTPField.Name("X-Grafana-Alerting-Signature-Timestamp")!] {
            signed.append(Data((timestamp + ":").utf8))
        }
        signed.append(body)
        let expected = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        let hex = expected.map { String(format: "%02x", $0) }.joined()
        guard TokenAuthority.constantTimeEqual(Data(hex.utf8), Data(signature.lowercased().utf8)) else {
            throw APIError(
                .forbidden, "bad_signature",
                "X-Grafana-Alerting-Signature does not match the body; check that webhooks.grafana.secret equals the contact point's HMAC secret"
            )
        }
    }

    // MARK: CloudWatch through SNS

    @Sendable func cloudwatch(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await Self.body(request)
        let message: SNSMessage
        do {
            message = try SNSMessage.decode(
                body, headerType: request.headers[HTTPField.Name("x-amz-sns-message-type")!])
        } catch {
            throw APIError(.badRequest, "invalid_payload", error.message)
        }
        do {
            try await sns.check(message)
        } catch {
            logger.warning("SNS message refused: \(error.message)", metadata: ["sns.topic": .string(message.topicArn)])
            throw APIError(.forbidden, "invalid_signature", error.message)
        }
        switch message.type {
        case "SubscriptionConfirmation":
            guard let url = message.subscribeURL else {
                throw APIError(.badRequest, "invalid_payload", "the SubscriptionConfirmation has no SubscribeURL")
            }
            try await store.recordSubscription(
                topicArn: message.topicArn, messageID: message.messageID, subscribeURL: url, at: Date())
            if settings.cloudwatch.confirmSubscriptions {
                let confirmed = await confirm(url)
                try await store.markSubscription(
                    messageID: message.messageID, confirmedAt: confirmed == nil ? Date() : nil, error: confirmed)
                return try jsonResponse([
                    "status": confirmed == nil ? "confirmed" : "confirmation_failed", "topic": message.topicArn,
                ])
            }
            logger.notice(
                "SNS subscription to \(message.topicArn) waits for confirmation: open \(url) (or list it with 'firebreak alerts subscriptions')"
            )
            return try jsonResponse(["status": "pending_confirmation", "topic": message.topicArn, "subscribe_url": url])
        case "UnsubscribeConfirmation":
            logger.notice("SNS unsubscribed from \(message.topicArn)")
            return try jsonResponse(["status": "ok", "topic": message.topicArn])
        default:
            let alert: Alert?
            do {
                alert = try message.cloudWatchAlert()
            } catch {
                throw APIError(.badRequest, "invalid_payload", error.message)
            }
            guard let alert else {
                return try jsonResponse([
                    "status": "ignored", "reason": "INSUFFICIENT_DATA neither fires nor resolves an alert",
                ])
            }
            return try await ingest(.alerts(AlertBatch(alerts: [alert])), context)
        }
    }

    /// GETs the SubscribeURL; returns the error, or nil once confirmed.
    private func confirm(_ url: String) async -> String? {
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            guard response.status == .ok else { return "SubscribeURL answered \(response.status.code)" }
            logger.notice("SNS subscription confirmed")
            return nil
        } catch {
            logger.error("SNS subscription could not be confirmed: \(error)")
            return "\(error)"
        }
    }

    // MARK: PagerDuty Events API v2

    @Sendable func enqueue(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await Self.body(request)
        let event: PagerDutyEvent
        do {
            event = try PagerDutyEvent.decode(body) {
                UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            }
        } catch {
            return try jsonResponse(PagerDutyInvalid(message: error.message, errors: error.errors), status: .badRequest)
        }
        if context.tokenName == nil {
            // No header or query token: the routing key must be a Firebreak token, as PagerDuty's integration key is.
            switch try await tokens.verify(event.routingKey) {
            case .valid: break
            case .revoked, .unknown:
                throw APIError(
                    .forbidden, "forbidden",
                    "routing_key is not a valid Firebreak token; use a token from 'firebreak token create NAME' as the integration key"
                )
            }
        }
        switch event.action {
        case .trigger, .resolve:
            _ = try await pipeline.ingest(.alerts(AlertBatch(alerts: [event.alert])), requestID: context.requestID)
        case .acknowledge:
            _ = try await pipeline.ingest(
                .acknowledge(source: "pagerduty", key: event.dedupKey), requestID: context.requestID)
        }
        return try jsonResponse(PagerDutyAccepted(dedupKey: event.dedupKey), status: .accepted)
    }

    struct PagerDutyAccepted: Encodable {
        var status = "success"
        var message = "Event processed"
        /// `dedup_key` in the answer, through the JSON convention.
        var dedupKey: String
    }

    struct PagerDutyInvalid: Encodable {
        var status = "invalid event"
        var message: String
        var errors: [String]
    }
}
