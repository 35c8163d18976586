import CacheCore
import Foundation
import HTTPTypes
import Hummingbird
import Observability
import Synchronization

/// The endpoint's own routes beside GitHub's API (none of them is a GitHub path):
/// - `GET /metrics`: the Prometheus text format (``DaemonMetrics``), on both listeners;
/// - `GET /` from a browser (`Accept: text/html`) on the TCP listener: the live dashboard (``DashboardPage``), and
///   `GET /_ghcache/dashboard.json`, its figures; an API client's `GET /` still gets GitHub's API root;
/// - `POST /webhook`: a GitHub webhook signed with `CACHE_WEBHOOK_SECRET` makes the resources it changed stale
///   (fleet-wide through the invalidator); an unsigned or wrongly signed one is refused (401) and counted.
final class Operations: Sendable {
    let metrics: DaemonMetrics
    let history: DashboardHistory
    let store: CacheStore
    let configuration: Configuration
    /// The process's clock.
    let clock: @Sendable () -> Double
    /// Connected libp2p peers (`nil` without libp2p).
    let connectedPeers: @Sendable () -> Int?
    /// Marks what a webhook changed stale (and tells the fleet, whose key owners revalidate it a moment later).
    let invalidator: any Invalidator
    /// Delivery IDs and payload digests of the webhooks applied lately.
    private let deliveries = Mutex<RecentIDs>(RecentIDs())
    /// Request bodies held across connections (shared with the pass-through).
    let bodyBudget: BodyBudget

    /// The webhook route.
    static let webhookPath = "/webhook"

    init(
        store: CacheStore, configuration: Configuration, clock: @escaping @Sendable () -> Double,
        connectedPeers: @escaping @Sendable () -> Int?, bodyBudget: BodyBudget, invalidator: any Invalidator
    ) {
        self.clock = clock
        self.bodyBudget = bodyBudget
        self.metrics = DaemonMetrics.bootstrap()
        self.history = DashboardHistory()
        self.store = store
        self.configuration = configuration
        self.connectedPeers = connectedPeers
        self.invalidator = invalidator
    }

    /// Samples the dashboard's figures until cancelled.
    func sample() async {
        await history.run(store: store, p2pEnabled: configuration.enableP2P) { [connectedPeers] in connectedPeers() ?? 0
        }
    }

    /// The answer when `request` is one of these routes, else `nil` (a GitHub API request).
    func respond(to request: Request, path: String, listener: Listener) async -> Response? {
        switch (request.method, path) {
        case (.get, "/metrics"), (.head, "/metrics"):
            return text(
                { () throws(GHCacheError) in try metrics.render(store: store, connectedPeers: connectedPeers()) },
                contentType: "text/plain; version=0.0.4; charset=utf-8", isHead: request.method == .head)
        case (.get, "/"), (.head, "/"):
            guard case .tcp = listener, request.headers[.accept]?.contains("text/html") == true else { return nil }
            return text(
                { DashboardPage.html }, contentType: "text/html; charset=utf-8", isHead: request.method == .head)
        case (.get, DashboardPage.dataPath):
            let peers = connectedPeers()
            return await json { () async throws(GHCacheError) in
                var stats = try CacheStats(
                    store: store, p2pEnabled: configuration.enableP2P, now: clock())
                if let peers { stats.connectedPeers = peers }
                return await history.json(stats)
            }
        case (.post, Self.webhookPath):
            return await webhook(request)
        default:
            return nil
        }
    }

    private func webhook(_ request: Request) async -> Response {
        guard let secret = configuration.webhookSecret else {
            return EndpointCore.synthesized(
                status: 404, message: "webhooks are off: set CACHE_WEBHOOK_SECRET to the secret of the GitHub webhook",
                kind: .usage, isHead: false)
        }
        let body: Data
        do {
            body = try await EndpointCore.collect(
                request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) },
                limit: WebhookDelivery.maxBodyBytes, budget: bodyBudget, timeout: .seconds(30))
        } catch EndpointCore.BodyProblem.busy {
            var response = EndpointCore.synthesized(
                status: 503, message: "the daemon is reading too many request bodies at once: retry shortly",
                kind: .unavailable, isHead: false)
            response.headers[.retryAfter] = "1"
            return response
        } catch {
            return EndpointCore.synthesized(
                status: 400, message: "the webhook body could not be read (at most 25 MiB within 30 s)", kind: .usage,
                isHead: false)
        }
        defer { bodyBudget.release(body.count) }
        let delivery = WebhookDelivery(
            event: request.headers[HTTPField.Name("X-GitHub-Event")!] ?? "",
            deliveryID: request.headers[HTTPField.Name("X-GitHub-Delivery")!], body: body)
        guard
            WebhookDelivery.isSigned(
                body, header: request.headers[HTTPField.Name("X-Hub-Signature-256")!], secret: secret)
        else {
            try? store.increment(Counter.webhooksRejected)
            return EndpointCore.synthesized(
                status: 401, message: "the webhook's X-Hub-Signature-256 does not match CACHE_WEBHOOK_SECRET",
                kind: .usage, isHead: false)
        }
        // A redelivery repeats the ID; a replay of a captured delivery under a new ID repeats the signed payload.
        let digest = "sha256:" + SHA256Digest.hex(body)
        let seen = deliveries.withLock { recent in
            let newID = delivery.deliveryID.map { recent.insert($0) } ?? true
            return !(recent.insert(digest) && newID)
        }
        if seen {
            return reply(202, ["status": "duplicate delivery ignored", "delivery": delivery.deliveryID ?? digest])
        }
        try? store.increment(Counter.webhooks)
        guard let paths = delivery.stalePaths() else {
            return reply(202, ["status": "event \(delivery.event) changes nothing ghcache caches"])
        }
        let now = clock()
        let marked: Int
        do {
            marked = try await invalidator.invalidate(Invalidation(paths: paths, at: now, refresh: true))
        } catch {
            return EndpointCore.synthesized(status: 500, message: error.message, kind: .store, isHead: false)
        }
        return reply(202, ["status": "stale", "paths": paths.map(\.description), "entries": marked])
    }

    private func reply(_ status: Int, _ object: [String: Any]) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return EndpointCore.response(status: status, fields: fields, body: body, isHead: false)
    }

    private func text(_ make: () throws(GHCacheError) -> String, contentType: String, isHead: Bool) -> Response {
        do {
            var fields = HTTPFields()
            fields[.contentType] = contentType
            fields[.cacheControl] = "no-store"
            return EndpointCore.response(status: 200, fields: fields, body: Data(try make().utf8), isHead: isHead)
        } catch {
            return EndpointCore.synthesized(status: 500, message: error.message, kind: .store, isHead: isHead)
        }
    }

    private func json(_ make: () async throws(GHCacheError) -> Data) async -> Response {
        do {
            var fields = HTTPFields()
            fields[.contentType] = "application/json; charset=utf-8"
            fields[.cacheControl] = "no-store"
            return EndpointCore.response(status: 200, fields: fields, body: try await make(), isHead: false)
        } catch {
            return EndpointCore.synthesized(status: 500, message: error.message, kind: .store, isHead: false)
        }
    }
}

/// The last 1000 webhook delivery IDs and payload digests (GitHub repeats the ID on a redelivery).
struct RecentIDs: Sendable {
    private var ids: Set<String> = []
    private var order: [String] = []
    static let capacity = 1000

    /// Adds `id`; `false` when it was seen already.
    mutating func insert(_ id: String) -> Bool {
        let id = String(id.prefix(128))
        guard ids.insert(id).inserted else { return false }
        order.append(id)
        if order.count > Self.capacity { ids.remove(order.removeFirst()) }
        return true
    }
}
