import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refuses (headers over its 80 KB limit, a malformed request line) with the
/// API's JSON error and a request id, instead of the framework's bare `400` with no body. It sits after the HTTP
/// codec, takes the parser's error, writes the answer and closes the connection: nothing more of such a request
/// can be trusted.
final class ParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let detail = Self.detail(for: parserError)
        let body =
            (try? JSONSerialization.data(
                withJSONObject: ["error": "bad_request", "detail": detail], options: [.sortedKeys])) ?? Data("{}".utf8)
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        head.headerFields[HTTPField.Name("X-Request-ID")!] = UUID().uuidString.lowercased()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    static func detail(for error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow:
            "the request headers are larger than the server accepts (about 80 KB in all); send a shorter Authorization or fewer headers"
        default:
            "the request is not valid HTTP/1.1 (\(error)); check the client"
        }
    }
}
