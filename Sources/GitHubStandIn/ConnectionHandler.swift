import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one HTTP/1.1 request at a time (bounded body), asks the engine for a plan and carries it out: write
/// (possibly later), hang, or reset the connection.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let engine: StandInEngine
    private var head: HTTPRequestHead?
    private var body = Data()
    private var rejected = false
    /// A request is being answered (or hangs): the idle timeout does not apply.
    private var busy = false

    init(engine: StandInEngine) {
        self.engine = engine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = Data()
            rejected = false
            busy = true
        case .body(var buffer):
            guard !rejected else { return }
            if body.count + buffer.readableBytes > engine.configuration.maxRequestBodyBytes {
                rejected = true
                let reply = Reply.json(.payloadTooLarge, ["message": "request body too large"])
                write(reply, keepAlive: false, headOnly: false, context: context)
                return
            }
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            guard let head, !rejected else { return }
            self.head = nil
            let request = IncomingRequest(
                method: head.method, uri: head.uri, headers: head.headers, body: body,
                clientAddress: context.channel.remoteAddress?.ipAddress ?? "unknown",
                serverBase: "http://127.0.0.1:\(context.channel.localAddress?.port ?? 0)")
            body = Data()
            carryOut(
                engine.plan(request), keepAlive: head.isKeepAlive, headOnly: head.method == .HEAD, context: context)
        }
    }

    private func carryOut(_ plan: ReplyPlan, keepAlive: Bool, headOnly: Bool, context: ChannelHandlerContext) {
        switch plan {
        case .hang:
            break
        case .reset:
            let channel = context.channel
            if let provider = channel as? any SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        case .respond(let reply, let delay) where delay > .zero:
            let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                let (handler, context) = loopBound.value
                guard context.channel.isActive else { return }
                handler.write(reply, keepAlive: keepAlive, headOnly: headOnly, context: context)
            }
        case .respond(let reply, _):
            write(reply, keepAlive: keepAlive, headOnly: headOnly, context: context)
        }
    }

    private func write(_ reply: Reply, keepAlive: Bool, headOnly: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(reply.headers)
        if let body = reply.body { headers.replaceOrAdd(name: "Content-Length", value: "\(body.count)") }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers))),
            promise: nil)
        if let body = reply.body, !headOnly, !body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        busy = false
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if !busy { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
