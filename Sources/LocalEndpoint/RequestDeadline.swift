import NIOCore
import NIOHTTPTypes
import Synchronization

/// The connections one listener holds, so that waiting ones are let go sooner when it fills up: past three quarters
/// of its limit, a connection with no request in progress is closed after ``RequestDeadline/crowdedWait`` instead of
/// its usual deadline, so idle connections cannot keep real requests waiting in the listen backlog.
final class ConnectionLoad: Sendable {
    private let open = Atomic<Int>(0)
    /// From this many connections on, the listener is crowded.
    let crowdedFrom: Int

    init(limit: Int) { crowdedFrom = max(1, limit * 3 / 4) }

    func opened() { open.wrappingAdd(1, ordering: .relaxed) }
    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }
    var isCrowded: Bool { open.load(ordering: .relaxed) >= crowdedFrom }
    var count: Int { open.load(ordering: .relaxed) }
}

/// Closes a connection whose next request head does not arrive in time: within `first` of the connection
/// opening, and within `next` of the previous response; within ``crowdedWait`` for either while the listener is
/// crowded (``ConnectionLoad``). A slow client that trickles a head byte by byte (which an idle timer alone never
/// catches) holds a connection for at most that long.
final class RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long a waiting connection is kept while the listener is crowded.
    static let crowdedWait = TimeAmount.seconds(1)
    /// How often a waiting connection's deadline is checked.
    static let checkEvery = TimeAmount.milliseconds(250)

    private let first: TimeAmount
    private let next: TimeAmount
    private let load: ConnectionLoad
    private var timer: RepeatedTask?
    private var armedOnce = false
    private var counted = false
    /// Requests whose head arrived and whose response has not ended (HTTP/1.1 pipelining).
    private var outstanding = 0

    init(first: TimeAmount, next: TimeAmount, load: ConnectionLoad) {
        self.first = first
        self.next = next
        self.load = load
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            count()
            arm(context, after: first)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        count()
        if !armedOnce { arm(context, after: first) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        uncount()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        uncount()
        context.fireChannelInactive()
    }

    private func count() {
        guard !counted else { return }
        counted = true
        load.opened()
    }

    private func uncount() {
        guard counted else { return }
        counted = false
        load.closed()
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            outstanding += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            outstanding = max(0, outstanding - 1)
            if outstanding == 0 { arm(context, after: next) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        armedOnce = true
        disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let armedAt = NIODeadline.now()
        let load = self.load
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.checkEvery, delay: Self.checkEvery) { task in
            let waited = NIODeadline.now() - armedAt
            if waited >= delay || (waited >= Self.crowdedWait && load.isCrowded) {
                task.cancel()
                loopBound.value.close(promise: nil)
            }
        }
    }
}
