import Foundation
import Synchronization

/// Answers GitHub REST GETs from the store, else from GitHub, following DESIGN §3: TTL freshness,
/// conditional revalidation with per-token validators, stale-if-error, `Retry-After` and rate-limit
/// backoff, and one API call for concurrent identical misses on the machine.
public final class CacheClient: Sendable {
    /// The configuration in force.
    public let configuration: Configuration
    /// The store.
    public let store: CacheStore
    let transport: any GitHubTransport
    let tokens: TokenProvider
    private let forwarder: (any MissForwarder)?
    private let observer: (any StoreObserver)?
    /// The clock lookups read the time from (Unix seconds).
    public let clock: @Sendable () -> Double
    /// The store's token fingerprint key, read on the first lookup that needs it (the daemon installs the fleet's
    /// before it builds its client).
    private let fingerprinter = Mutex<TokenFingerprinter?>(nil)
    /// The lookups of this process that are asking the forwarder or GitHub, by what they ask: a lookup that finds
    /// its twin running waits for that one's answer (single flight) instead of asking again.
    private let flights = Mutex<[Flight: Task<Result<LookupResult, GHCacheError>, Never>]>([:])
    /// The GraphQL queries of this process being asked of GitHub, by key (the key includes the token's fingerprint,
    /// so only the same token's identical query joins one).
    let graphQLFlights = Mutex<[String: Task<Result<GraphQLAnswer, GHCacheError>, Never>]>([:])

    /// How often a process waiting for a concurrent fetch of the same key polls the store.
    static let pollInterval: Duration = .milliseconds(20)

    /// Creates a client. `tokens` gives the token of lookups made without one of their own; `forwarder`, when set,
    /// is asked to answer every lookup the store cannot serve fresh before this client calls GitHub itself;
    /// `observer` is told every row written from GitHub's answer.
    public init(
        configuration: Configuration, store: CacheStore, transport: any GitHubTransport, tokens: TokenProvider,
        forwarder: (any MissForwarder)? = nil, observer: (any StoreObserver)? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.tokens = tokens
        self.forwarder = forwarder
        self.observer = observer
        self.clock = clock
    }

    /// Answers one GET with the client's own token (resolved only if GitHub or the forwarder must be asked).
    public func get(_ target: RequestTarget, options: LookupOptions) async throws(GHCacheError) -> LookupResult {
        try await lookup(target, options: options, token: tokens.token)
    }

    /// Answers one GET for a caller that brought its own token (the local endpoint's `Authorization`).
    public func get(_ target: RequestTarget, options: LookupOptions, token: String?) async throws(GHCacheError)
        -> LookupResult
    {
        try await lookup(target, options: options) { token }
    }

    private func lookup(_ target: RequestTarget, options: LookupOptions, token resolveToken: () -> String?)
        async throws(GHCacheError) -> LookupResult
    {
        let key = target.key
        let ttl = options.ttlOverride ?? configuration.ttlPolicy.ttl(path: target.path, query: target.decodedQuery)
        let now = clock()
        let entry = options.noCache ? nil : try store.entry(forKey: key)
        if let entry, !options.revalidate, entry.isFresh(ttl: ttl, now: now) {
            var warning: String?
            do {
                try store.recordServed(
                    key: key,
                    counter: options.countsAsLookup
                        ? (entry.origin == .peer ? Counter.peerHits : Counter.localHits) : nil,
                    now: now)
            } catch {
                // A full disk or a read-only store: the copy is there to read, so it is served all the same.
                warning = "the cache hit could not be recorded (\(error.message))"
            }
            return result(
                entry, target, entry.origin == .peer ? .peerHit : .localHit, ttl: ttl, now: now, warning: warning)
        }
        let context = Attempt(target: target, key: key, ttl: ttl, entry: entry, options: options, startedAt: now)
        if options.offline {
            return try serveStale(context, because: "--offline", failing: .unavailable)
        }
        let token = resolveToken()
        let fingerprint = try fingerprint(token)
        // `/rate_limit` is free and does not count against the limit: it is how one sees when a back-off ends.
        if target.path != "/rate_limit", let backoff = try store.backoff(scope: fingerprint, now: now) {
            return try serveStale(context, because: Self.describe(backoff), failing: .unavailable)
        }
        let flight = Flight(key: key, ttl: ttl, options: options)
        let (task, leads) = flights.withLock { running -> (Task<Result<LookupResult, GHCacheError>, Never>, Bool) in
            if let twin = running[flight] { return (twin, false) }
            let task = Task { () async -> Result<LookupResult, GHCacheError> in
                do throws(GHCacheError) {
                    return .success(try await self.ask(context, token: token, fingerprint: fingerprint))
                } catch {
                    return .failure(error)
                }
            }
            running[flight] = task
            return (task, true)
        }
        let outcome = await task.value
        guard !leads else {
            _ = flights.withLock { $0.removeValue(forKey: flight) }
            return try outcome.get()
        }
        return try joined(outcome, context)
    }

    /// What a lookup waits for when it is the first of its kind in this process: the forwarder (the daemon or the
    /// key's owner), else the store's fetch lease (one fetch across the machine's processes), else GitHub.
    private func ask(_ context: Attempt, token: String?, fingerprint: String) async throws(GHCacheError)
        -> LookupResult
    {
        let (target, key, now) = (context.target, context.key, context.startedAt)
        if let forwarder, context.options.askForwarder,
            let answer = try await forwarder.forward(
                ForwardedLookup(target: target, ttl: context.ttl, options: context.options, token: token))
        {
            return answer
        }
        let owner = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))"
        let leaseDuration = configuration.connectTimeout + 2 * configuration.timeout + 5
        var holdsLease = try store.acquireFetchLease(key: key, owner: owner, now: now, duration: leaseDuration)
        if !holdsLease {
            if let joined = try await waitForConcurrentFetch(context, deadline: now + leaseDuration) {
                return joined
            }
            holdsLease = try store.acquireFetchLease(key: key, owner: owner, now: clock(), duration: leaseDuration)
        }
        // Another process may have written the row between our look-up and taking the lease.
        if holdsLease, let written = try joinWrittenRow(context) {
            try store.releaseFetchLease(key: key, owner: owner)
            return written
        }
        return try await fetch(context, token: token, fingerprint: fingerprint, leaseOwner: holdsLease ? owner : nil)
    }

    /// Lookups that share one flight: same key, TTL and options.
    private struct Flight: Hashable {
        let key: String
        let ttl: Int
        let options: LookupOptions
    }

    /// A lookup that waited for its twin's answer: served from it, counted as a coalesced hit (or a stale copy, or
    /// the same failure), never as another call to GitHub.
    private func joined(_ outcome: Result<LookupResult, GHCacheError>, _ context: Attempt) throws(GHCacheError)
        -> LookupResult
    {
        let answer: LookupResult
        switch outcome {
        case .success(let success): answer = success
        case .failure(let failure):
            try store.increment(Self.tally(Counter.failures, context, plus: [:]))
            throw failure
        }
        var shared = answer
        shared.rateLimit = nil
        shared.upstreamHeaders = nil
        if answer.servedFrom == .stale {
            try store.recordServed(key: context.key, counter: Self.outcome(Counter.staleServed, context), now: clock())
            return shared
        }
        let counter = Self.outcome(Counter.localHits, context)
        try store.recordServed(key: context.key, counter: counter, now: clock())
        if counter == Counter.localHits { try store.increment(Counter.coalesced) }
        shared.servedFrom = .joinedConcurrentFetch
        return shared
    }

    /// The fingerprint of `token` under the store's key (loaded once).
    func fingerprint(_ token: String?) throws(GHCacheError) -> String {
        if let loaded = fingerprinter.withLock({ $0 }) { return loaded.fingerprint(token) }
        let loaded = try TokenFingerprinter(cacheDir: configuration.cacheDir)
        fingerprinter.withLock { $0 = loaded }
        return loaded.fingerprint(token)
    }

    /// Releases the HTTP client, if one was created.
    public func shutdown() async {
        await transport.shutdown()
    }

    // MARK: - Steps

    private struct Attempt: Sendable {
        let target: RequestTarget
        let key: String
        let ttl: Int
        let entry: CacheEntry?
        let options: LookupOptions
        let startedAt: Double
    }

    /// Waits, bounded, for the process holding the lease to write the row. Returns the row as a
    /// hit; `nil` when the holder gave up (lease released or expired) or time ran out, and this
    /// process should fetch itself.
    private func waitForConcurrentFetch(_ context: Attempt, deadline: Double) async throws(GHCacheError)
        -> LookupResult?
    {
        while clock() < deadline {
            try? await Task.sleep(for: Self.pollInterval)
            if let written = try joinWrittenRow(context) { return written }
            if try !store.isFetchLeaseHeld(key: context.key, now: clock()) { return nil }
        }
        return nil
    }

    /// The row another process wrote since this lookup started (a newer `fetched_at` than the
    /// copy this lookup saw; with `--no-cache`, one fetched after the lookup started), as a hit.
    private func joinWrittenRow(_ context: Attempt) throws(GHCacheError) -> LookupResult? {
        let threshold = context.options.noCache ? context.startedAt : (context.entry?.fetchedAt ?? -Double.infinity)
        guard let fetchedAt = try store.fetchedAt(key: context.key), fetchedAt > threshold,
            let entry = try store.entry(forKey: context.key)
        else { return nil }
        let now = clock()
        let counter = Self.outcome(Counter.localHits, context)
        try store.recordServed(key: context.key, counter: counter, now: now)
        if counter == Counter.localHits { try store.increment(Counter.coalesced) }
        return result(entry, context.target, .joinedConcurrentFetch, ttl: context.ttl, now: now)
    }

    private func fetch(_ context: Attempt, token: String?, fingerprint: String, leaseOwner: String?)
        async throws(GHCacheError)
        -> LookupResult
    {
        var headers: [(String, String)] = [
            ("User-Agent", "ghcache/\(GHCacheVersion.current)"), ("Accept", context.target.accept),
            ("X-GitHub-Api-Version", context.target.apiVersion),
        ]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if let entry = context.entry {
            let validators = try store.validators(forKey: context.key, tokenFingerprint: fingerprint)
            if let etag = validators?.etag {
                headers.append(("If-None-Match", etag))
            } else if let lastModified = validators?.lastModified ?? entry.headers["last-modified"] {
                headers.append(("If-Modified-Since", lastModified))
            }
        }
        let response: GitHubResponse
        do {
            response = try await transport.get(url: context.target.url(base: configuration.apiURL), headers: headers)
        } catch {
            try release(leaseOwner, context, counters: [Counter.apiCalls: 1])
            return try serveStale(
                context, because: "cannot reach \(configuration.apiURL.absoluteString) for \(context.target): \(error)",
                failing: .network)
        }
        let now = clock()
        let rateLimit = ResponseClassifier.rateLimit(response, now: now)
        if let rateLimit {
            try store.recordRateLimit(rateLimit)
            if rateLimit.remaining == 0, let reset = rateLimit.reset {
                try store.setBackoff(scope: fingerprint, Backoff(notBefore: reset, reason: "rate-limit"))
            }
        }
        switch ResponseClassifier.classify(response, now: now) {
        case .success:
            let entry = try store.storeFetched(
                response,
                target: context.target, ttl: context.ttl, tokenFingerprint: fingerprint, now: now,
                leaseOwner: leaseOwner, counters: Self.tally(Counter.misses, context))
            observer?.stored(key: context.key)
            var answer = result(entry, context.target, .miss, ttl: context.ttl, now: now)
            answer.rateLimit = rateLimit
            answer.upstreamHeaders = response.headers
            return answer
        case .notModified:
            let validators = Validators(etag: response.headers["etag"], lastModified: response.headers["last-modified"])
            guard context.entry != nil,
                let entry = try store.refreshValidated(
                    key: context.key, ttl: context.ttl, tokenFingerprint: fingerprint, validators: validators, now: now,
                    leaseOwner: leaseOwner,
                    counters: Self.tally(Counter.notModified, context))
            else {
                try release(
                    leaseOwner, context, counters: Self.tally(Counter.failures, context))
                throw GHCacheError(
                    "GitHub answered 304 Not Modified for \(context.target) but no cached copy is left: retry",
                    exitStatus: .githubError)
            }
            observer?.stored(key: context.key)
            var answer = result(entry, context.target, .revalidated, ttl: context.ttl, now: now)
            answer.rateLimit = rateLimit
            answer.upstreamHeaders = response.headers
            return answer
        case .secondaryRateLimit(let retryAfter):
            let wait = retryAfter ?? 60
            try store.setBackoff(scope: fingerprint, Backoff(notBefore: now + wait, reason: "secondary-rate-limit"))
            try release(leaseOwner, context, counters: [Counter.apiCalls: 1])
            return try serveStale(
                context, because: "GitHub's secondary rate limit (retry after \(formatTime(now + wait)))",
                failing: .unavailable, upstream: response)
        case .primaryRateLimit(let reset):
            if let reset { try store.setBackoff(scope: fingerprint, Backoff(notBefore: reset, reason: "rate-limit")) }
            try release(leaseOwner, context, counters: [Counter.apiCalls: 1])
            let until = reset.map { "; it resets at \(formatTime($0))" } ?? ""
            return try serveStale(
                context, because: "the GitHub API rate limit is spent\(until)", failing: .unavailable,
                upstream: response)
        case .serverError(let retryAfter):
            if let retryAfter {
                try store.setBackoff(scope: fingerprint, Backoff(notBefore: now + retryAfter, reason: "retry-after"))
            }
            try release(leaseOwner, context, counters: [Counter.apiCalls: 1])
            return try serveStale(
                context, because: ResponseClassifier.describe(response, target: context.target), failing: .githubError,
                upstream: response)
        case .clientError:
            try release(leaseOwner, context, counters: Self.tally(Counter.failures, context))
            throw GHCacheError(
                ResponseClassifier.describe(response, target: context.target), exitStatus: .githubError,
                upstream: response)
        }
    }

    private func release(_ owner: String?, _ context: Attempt, counters: [String: Int]) throws(GHCacheError) {
        if let owner { try store.releaseFetchLease(key: context.key, owner: owner) }
        try store.increment(counters)
    }

    /// Serves the stored copy if it is within `--max-stale` past its expiry, with a warning;
    /// else fails with `reason` and `status` (carrying GitHub's answer `upstream`, if there was one).
    private func serveStale(
        _ context: Attempt, because reason: String, failing status: ExitStatus, upstream: GitHubResponse? = nil
    ) throws(GHCacheError) -> LookupResult {
        let now = clock()
        guard let entry = context.entry else {
            try store.increment(Self.tally(Counter.failures, context, plus: [:]))
            let hint = context.options.offline ? " and no cached copy of \(context.target) exists" : ""
            throw GHCacheError("\(reason)\(hint)", exitStatus: status, upstream: upstream)
        }
        let staleFor = now - (entry.fetchedAt + Double(context.ttl))
        guard staleFor <= Double(context.options.maxStale) else {
            try store.increment(Self.tally(Counter.failures, context, plus: [:]))
            throw GHCacheError(
                "\(reason); the cached copy of \(context.target) went stale \(formatSeconds(staleFor)) ago, "
                    + "beyond --max-stale \(formatSeconds(Double(context.options.maxStale)))", exitStatus: status,
                upstream: upstream)
        }
        try store.recordServed(key: context.key, counter: Self.outcome(Counter.staleServed, context), now: now)
        var answer = result(entry, context.target, .stale, ttl: context.ttl, now: now)
        answer.warning =
            "serving a cached copy of \(context.target) from \(formatSeconds(now - entry.fetchedAt)) ago: \(reason)"
        return answer
    }

    private func result(
        _ entry: CacheEntry, _ target: RequestTarget, _ servedFrom: ServedFrom, ttl: Int, now: Double,
        warning: String? = nil
    ) -> LookupResult {
        LookupResult(entry: entry, target: target, servedFrom: servedFrom, ttl: ttl, now: now, warning: warning)
    }

    /// The counter a lookup's outcome adds to. A revalidation ahead of expiry (``LookupOptions/revalidate``) is not a
    /// lookup and adds to `refresh_ahead` instead; a lookup made for another runner (``LookupOptions/countsAsLookup``
    /// false: a fill this daemon serves) adds to none. So hit rates describe what this machine's callers asked for.
    private static func outcome(_ name: String, _ context: Attempt) -> String? {
        if context.options.revalidate { return Counter.refreshAhead }
        return context.options.countsAsLookup ? name : nil
    }

    /// `plus` (by default one API call) and the outcome's counter, if any.
    private static func tally(_ name: String, _ context: Attempt, plus: [String: Int] = [Counter.apiCalls: 1])
        -> [String: Int]
    {
        var counters = plus
        if let counter = outcome(name, context) { counters[counter, default: 0] += 1 }
        return counters
    }

    private static func describe(_ backoff: Backoff) -> String {
        switch backoff.reason {
        case "rate-limit": "the GitHub API rate limit is spent; it resets at \(formatTime(backoff.notBefore))"
        case "secondary-rate-limit":
            "GitHub's secondary rate limit asks to wait until \(formatTime(backoff.notBefore))"
        default: "GitHub asked (Retry-After) to wait until \(formatTime(backoff.notBefore))"
        }
    }
}
