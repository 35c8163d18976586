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
    /// Told what an operator should know once (GitHub's ETags stopped matching the formula for a family of paths).
    let notice: @Sendable (String) -> Void
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
        notice: @escaping @Sendable (String) -> Void = { _ in },
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.notice = notice
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.tokens = tokens
        self.forwarder = forwarder
        self.observer = observer
        self.clock = clock
    }

    /// Answers one GET with the client's own token (resolved only if GitHub or the forwarder must be asked). When
    /// GitHub answers 401 to that token, the provider renews it (``TokenProvider/rejected(_:)``) and the lookup is
    /// tried once more with the new one.
    public func get(_ target: RequestTarget, options: LookupOptions) async throws(GHCacheError) -> LookupResult {
        let used = Mutex<String?>(nil)
        do {
            return try await lookup(target, options: options) { () async throws(GHCacheError) -> String? in
                let token = try await self.tokens.token()
                used.withLock { $0 = token }
                return token
            }
        } catch {
            guard error.upstream?.status == 401, let token = used.withLock({ $0 }), await tokens.rejected(token) else {
                throw error
            }
            return try await lookup(target, options: options) { () async throws(GHCacheError) -> String? in
                try await self.tokens.token()
            }
        }
    }

    /// Answers one GET for a caller that brought its own token (the local endpoint's `Authorization`).
    public func get(_ target: RequestTarget, options: LookupOptions, token: String?) async throws(GHCacheError)
        -> LookupResult
    {
        try await lookup(target, options: options) { token }
    }

    private func lookup(
        _ target: RequestTarget, options: LookupOptions,
        token resolveToken: () async throws(GHCacheError) -> String?
    ) async throws(GHCacheError) -> LookupResult {
        let key = target.key
        let ttl = options.ttlOverride ?? configuration.ttlPolicy.ttl(path: target.path, query: target.decodedQuery)
        let now = clock()
        let entry = options.noCache ? nil : try store.entry(forKey: key)
        var context = Attempt(target: target, key: key, ttl: ttl, entry: entry, options: options, startedAt: now)
        let rule = configuration.access
        if rule.mode == .fleet, let entry, !options.revalidate, entry.isFresh(ttl: ttl, now: now) {
            return try hit(entry, context)
        }
        let token = try await resolveToken()
        context.fingerprint = try fingerprint(token)
        if let entry {
            // The body GitHub showed this token (the entry's, or a variant: docs/TRUST.md).
            context.view = try store.view(key: key, tokenFingerprint: context.fingerprint, entry: entry)
            if rule.mode != .fleet, !options.revalidate {
                // A fresh copy is served to a token GitHub has shown it within CACHE_ACCESS_TTL: the one access rule.
                if let view = context.view, view.entry.isFresh(ttl: ttl, now: now),
                    rule.decision(seenAt: view.seenAt, now: now) == .serve
                {
                    return try hit(view.entry, context)
                }
                if entry.isFresh(ttl: ttl, now: now) || context.view?.entry.isFresh(ttl: ttl, now: now) == true {
                    return try await prove(context, token: token)
                }
            }
        }
        if options.offline {
            return try serveStale(context, because: "--offline", failing: .unavailable)
        }
        // `/rate_limit` is free and does not count against the limit: it is how one sees when a back-off ends.
        if target.path != "/rate_limit", let backoff = try store.backoff(scope: context.fingerprint, now: now) {
            return try serveStale(context, because: Self.describe(backoff), failing: .unavailable)
        }
        let shared = context
        let (outcome, leads) = await flight(Flight(key: key, ttl: ttl, options: options, prover: nil)) {
            () async throws(GHCacheError) -> LookupResult in try await self.ask(shared, token: token)
        }
        let answer = leads ? try outcome.get() : try joined(outcome, context)
        // The answer may be a body another token brought (a fill, a coalesced fetch): the rule again, for this token.
        guard rule.mode != .fleet, answer.servedFrom != .stale else { return answer }
        let view = try store.view(key: key, tokenFingerprint: context.fingerprint)
        if let view, view.entry.cid == ContentID.of(answer.body),
            rule.decision(seenAt: view.seenAt, now: clock()) == .serve
        {
            return answer
        }
        context.entry = try store.entry(forKey: key)
        context.view = view
        return try await prove(context, token: token)
    }

    /// A fresh hit, counted (when the store can be written: a full disk or a read-only store still serves it).
    private func hit(_ entry: CacheEntry, _ context: Attempt) throws(GHCacheError) -> LookupResult {
        let origin: ServedFrom = entry.origin == .peer ? .peerHit : .localHit
        var warning: String?
        do {
            try store.recordServed(
                key: context.key,
                counter: context.options.countsAsLookup
                    ? (origin == .peerHit ? Counter.peerHits : Counter.localHits) : nil,
                now: context.startedAt)
        } catch {
            warning = "the cache hit could not be recorded (\(error.message))"
        }
        return result(entry, context.target, origin, ttl: context.ttl, now: context.startedAt, warning: warning)
    }

    /// A token GitHub has not shown the cached body asks GitHub with its own token (docs/TRUST.md): a conditional
    /// request with the ETag GitHub would give this token for the body (`verified`), or a plain one (`token` mode).
    /// `304` records the proof and serves the copy (free); `200` stores this token's own view; `401`/`403`/`404` is
    /// relayed and the copy never served; no answer fails closed. One proof per token and key at a time.
    ///
    /// The forwarder is asked first (``ForwardedLookup/proofBaseline``): the machine's daemon proves for this
    /// process, and inside the daemon the key's owner coordinates the proofs of the fleet, so that the proof below is
    /// made against the newest body any runner holds.
    private func prove(_ context: Attempt, token: String?) async throws(GHCacheError) -> LookupResult {
        var proving = context
        proving.isProof = true
        let shared = proving
        let prover = Flight(key: context.key, ttl: context.ttl, options: context.options, prover: context.fingerprint)
        let (outcome, _) = await flight(prover) { () async throws(GHCacheError) -> LookupResult in
            var context = shared
            if let forwarder = self.forwarder, context.options.askForwarder, let held = context.entry {
                let lookup = ForwardedLookup(
                    target: context.target, ttl: context.ttl, options: context.options, token: token,
                    proofBaseline: max(held.fetchedAt, context.view?.entry.fetchedAt ?? held.fetchedAt))
                let answer = try await forwarder.forward(lookup)
                // Whoever answered, the rule again for this token: served only when GitHub has shown it these bytes.
                let view = try self.store.view(key: context.key, tokenFingerprint: context.fingerprint)
                if let answer, let view, view.entry.cid == ContentID.of(answer.body),
                    self.configuration.access.decision(seenAt: view.seenAt, now: self.clock()) == .serve
                {
                    return answer
                }
                context.entry = try self.store.entry(forKey: context.key)
                context.view = view
            }
            return try await self.fetch(context, token: token, leaseOwner: nil)
        }
        return try outcome.get()
    }

    /// Runs `work` unless the same flight is running in this process already, whose outcome is then shared.
    /// Returns the outcome and whether this call ran it.
    private func flight(
        _ flight: Flight, _ work: @escaping @Sendable () async throws(GHCacheError) -> LookupResult
    ) async -> (Result<LookupResult, GHCacheError>, leads: Bool) {
        let (task, leads) = flights.withLock { running -> (Task<Result<LookupResult, GHCacheError>, Never>, Bool) in
            if let twin = running[flight] { return (twin, false) }
            let task = Task { () async -> Result<LookupResult, GHCacheError> in
                do throws(GHCacheError) {
                    return .success(try await work())
                } catch {
                    return .failure(error)
                }
            }
            running[flight] = task
            return (task, true)
        }
        let outcome = await task.value
        if leads { _ = flights.withLock { $0.removeValue(forKey: flight) } }
        return (outcome, leads)
    }

    /// What a lookup waits for when it is the first of its kind in this process: the forwarder (the daemon or the
    /// key's owner), else the store's fetch lease (one fetch across the machine's processes), else GitHub.
    private func ask(_ context: Attempt, token: String?) async throws(GHCacheError) -> LookupResult {
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
        return try await fetch(context, token: token, leaseOwner: holdsLease ? owner : nil)
    }

    /// Lookups that share one flight: same key, TTL and options (and for a proof, the same token).
    private struct Flight: Hashable {
        let key: String
        let ttl: Int
        let options: LookupOptions
        /// The fingerprint of the token proving its access, or `nil` for a lookup on anyone's behalf.
        let prover: String?
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
            try requireSeen(
                context, body: ContentID.of(answer.body), because: answer.warning ?? "GitHub could not be asked",
                failing: .unavailable, upstream: nil)
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
        var entry: CacheEntry?
        /// The body GitHub showed the lookup's token for the key, and when (read when the key has an entry).
        var view: TokenView?
        let options: LookupOptions
        let startedAt: Double
        /// The fingerprint of the lookup's token (known once the token is resolved).
        var fingerprint = TokenFingerprinter.anonymous
        /// Whether this request proves a token's access to the cached body.
        var isProof = false
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

    private func fetch(_ context: Attempt, token: String?, leaseOwner: String?) async throws(GHCacheError)
        -> LookupResult
    {
        let fingerprint = context.fingerprint
        let authorization = token.map { "Bearer \($0)" }
        var headers: [(String, String)] = [
            ("User-Agent", "ghcache/\(GHCacheVersion.current)"), ("Accept", context.target.accept),
            ("X-GitHub-Api-Version", context.target.apiVersion),
        ]
        if let authorization { headers.append(("Authorization", authorization)) }
        // What a 304 may refer to: each If-None-Match value and the body it names; If-Modified-Since's body.
        var offered: [(tag: String, cid: String)] = []
        var modifiedSince: String?
        var computed = false
        if let entry = context.entry {
            let rule = configuration.access
            let view = context.view
            if let etag = view?.validators.etag, let view { offered.append((etag, view.entry.cid)) }
            if rule.mode == .verified, try !store.isDrifting(ETagFamily.of(context.target)) {
                // The ETag GitHub would give this token for each body held: a 304 proves it may read those bytes
                // (docs/TRUST.md); the token's own ETag, as GitHub wrote it, goes first.
                computed = true
                for body in try store.bodies(key: context.key) {
                    let etag = GitHubETag.of(
                        accept: context.target.accept, authorization: authorization, body: body.body)
                    if !offered.contains(where: { Self.opaque($0.tag) == etag }) { offered.append((etag, body.cid)) }
                }
            }
            if !offered.isEmpty {
                headers.append(("If-None-Match", offered.map(\.tag).joined(separator: ", ")))
            } else if let view, let lastModified = view.validators.lastModified ?? view.entry.headers["last-modified"] {
                // Only for a token that has seen the body: GitHub answers If-Modified-Since without checking access.
                headers.append(("If-Modified-Since", lastModified))
                modifiedSince = view.entry.cid
            } else if rule.mode == .fleet, let lastModified = entry.headers["last-modified"] {
                headers.append(("If-Modified-Since", lastModified))
                modifiedSince = entry.cid
            }
        }
        if context.isProof { try store.increment(Counter.accessProofs) }
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
            if computed, offered.contains(where: { $0.cid == ContentID.of(response.body) }) {
                try noteDrift(
                    context.target, sent: offered.map(\.tag).joined(separator: ", "), received: response.headers["etag"]
                )
            }
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
            // The body GitHub matched: the one whose ETag it sent back, or the only one offered.
            let returned = validators.etag.map(Self.opaque)
            let cids = Set(offered.map(\.cid) + [modifiedSince].compactMap { $0 })
            let matched = offered.first { Self.opaque($0.tag) == returned }?.cid ?? (cids.count == 1 ? cids.first : nil)
            if matched == nil, cids.count > 1 {
                // Several bodies offered and no way to tell which one GitHub meant: ask again, plainly.
                try store.increment([Counter.apiCalls: 1])
                var plain = context
                (plain.entry, plain.view, plain.isProof) = (nil, nil, false)
                return try await fetch(plain, token: token, leaseOwner: leaseOwner)
            }
            guard let matched,
                let entry = try store.refreshValidated(
                    key: context.key, cid: matched, ttl: context.ttl, tokenFingerprint: fingerprint,
                    validators: validators, now: now, leaseOwner: leaseOwner,
                    counters: Self.tally(Counter.notModified, context))
            else {
                try release(
                    leaseOwner, context, counters: Self.tally(Counter.failures, context))
                throw GHCacheError(
                    "GitHub answered 304 Not Modified for \(context.target) but no cached copy is left: retry",
                    exitStatus: .githubError)
            }
            if context.isProof {
                try store.increment(Counter.accessProofsFree)
                if computed { try store.resetDrift(ETagFamily.of(context.target)) }
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
            var counters = Self.tally(Counter.failures, context)
            if context.entry != nil, [401, 403, 404].contains(response.status) {
                counters[Counter.accessDenied, default: 0] += 1
            }
            try release(leaseOwner, context, counters: counters)
            throw GHCacheError(
                ResponseClassifier.describe(response, target: context.target), exitStatus: .githubError,
                upstream: response)
        }
    }

    /// An ETag without its weak marker: GitHub may label the same value `W/"…"`.
    private static func opaque(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }

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
        // The body this token was shown (a variant, maybe); in `fleet` mode anyone's.
        let copy = configuration.access.mode == .fleet ? context.entry : context.view?.entry ?? context.entry
        guard let entry = copy else {
            try store.increment(Self.tally(Counter.failures, context, plus: [:]))
            let hint = context.options.offline ? " and no cached copy of \(context.target) exists" : ""
            throw GHCacheError("\(reason)\(hint)", exitStatus: status, upstream: upstream)
        }
        try requireSeen(context, body: entry.cid, because: reason, failing: status, upstream: upstream)
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

    /// Without an answer from GitHub a copy (the body `cid`) goes only to a token GitHub has shown it (fail closed).
    private func requireSeen(
        _ context: Attempt, body cid: String, because reason: String, failing status: ExitStatus,
        upstream: GitHubResponse?
    ) throws(GHCacheError) {
        let view = try store.view(key: context.key, tokenFingerprint: context.fingerprint)
        let seenAt = view?.entry.cid == cid ? view?.seenAt : nil
        guard !configuration.access.mayServeWithoutGitHub(seenAt: seenAt) else { return }
        try store.increment(Self.tally(Counter.failures, context, plus: [Counter.accessFailClosed: 1]))
        throw GHCacheError(
            "\(reason); the cached copy of \(context.target) is not served to a token GitHub has not shown it "
                + "(CACHE_SHARING=\(configuration.access.mode.rawValue)) and GitHub could not be asked",
            exitStatus: status, upstream: upstream)
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
