import CacheCore
import Foundation

/// One `ghcache-get` run: configuration, store, cache client, output.
struct GetSession {
    let client: CacheClient
    let options: LookupOptions
    let verbose: Bool
    let context: CommandContext

    /// Opens the store (printing any notice, e.g. a quarantined file) and prepares a client.
    /// The HTTP client is created only if GitHub must be asked.
    init(_ getOptions: GetOptions, context: CommandContext) throws(GHCacheError) {
        let configuration = try getOptions.configuration(in: context)
        let output = context.output
        let store = try CacheStore.openForReading(directory: configuration.cacheDir) { output.warn($0) }
        for notice in store.notices { output.warn(notice) }
        OpenUntilExit.keep(store)
        let transport = context.transport(configuration)
        let tokens = TokenProvider(configuration: configuration) { output.stderr("note: \($0)") }
        options = getOptions.lookupOptions(configuration)
        // A miss goes to the machine's daemon when one runs (checked only on a miss, so a hit stays lean).
        let forwarder =
            options.offline
            ? nil
            : DaemonSocketForwarder(
                configuration: configuration, store: store, transport: transport, clock: context.clock)
        client = CacheClient(
            configuration: configuration, store: store, transport: transport, tokens: tokens, forwarder: forwarder,
            observer: LocalNotifier(socketPath: configuration.peerSocketPath), clock: context.clock)
        verbose = getOptions.verbose
        self.context = context
    }

    /// A request target for `path` under the configured API.
    func target(
        _ path: String, fields: [(name: String, value: String)] = [], accept: String? = nil, apiVersion: String? = nil
    )
        throws(GHCacheError) -> RequestTarget
    {
        try RequestTarget(
            path, fields: fields, accept: accept ?? RequestTarget.defaultAccept,
            apiVersion: apiVersion ?? RequestTarget.defaultAPIVersion, apiBase: client.configuration.apiURL)
    }

    /// Fetches `target` (all pages with `paginate`) and returns the body to print.
    func body(_ target: RequestTarget, paginate: Bool) async throws(GHCacheError) -> Data {
        return try await run { () async throws(GHCacheError) -> Data in
            guard paginate else { return try await single(target).body }
            let pages = try await client.getAllPages(target, options: options) { report($0) }
            return try PageMerger.merge(pages.map(\.body))
        }
    }

    /// Fetches one page, reporting it.
    func single(_ target: RequestTarget) async throws(GHCacheError) -> LookupResult {
        let answer = try await client.get(target, options: options)
        report(answer)
        return answer
    }

    /// Runs `work`, then shuts the HTTP client down (also on failure).
    func run<T>(_ work: () async throws(GHCacheError) -> T) async throws(GHCacheError) -> T {
        let result: Result<T, GHCacheError>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        return try result.get()
    }

    private func report(_ answer: LookupResult) {
        if let warning = answer.warning { context.output.warn(warning) }
        guard verbose else { return }
        let last = answer.rateLimit == nil ? try? client.store.lastRateLimit() : nil
        context.output.stderr(
            VerboseReport.line(
                answer.servedFrom, target: answer.target.description, age: answer.age, ttl: answer.ttl,
                live: answer.rateLimit, last: last ?? nil, now: context.clock()))
    }
}
