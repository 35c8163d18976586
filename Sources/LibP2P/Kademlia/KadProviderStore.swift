/// Provider records a DHT server keeps for others: key → the peers that said they provide it, each with the
/// addresses it announced and an expiry. Bounded: at most `maxKeys` keys (records for new keys are refused when
/// full) and `maxPerKey` providers per key (a new provider replaces the one heard from longest ago, so a flood of
/// identities can only churn the list of one key, never grow memory). Expired records are dropped on every
/// access.
struct KadProviderStore: Sendable {
    struct Record: Sendable {
        var addresses: [Multiaddr]
        var received: ContinuousClock.Instant
    }

    let maxKeys: Int
    let maxPerKey: Int
    let lifetime: Duration
    private var records: [[UInt8]: [PeerID: Record]] = [:]
    private var lastSweep: ContinuousClock.Instant?

    init(maxKeys: Int, maxPerKey: Int, lifetime: Duration) {
        self.maxKeys = maxKeys
        self.maxPerKey = maxPerKey
        self.lifetime = lifetime
    }

    /// The number of keys with at least one live record.
    var keyCount: Int { records.count }

    /// The number of records held, all keys together.
    var recordCount: Int { records.values.reduce(0) { $0 + $1.count } }

    /// Records `provider` for `key`; returns `false` when the store is full of other keys.
    @discardableResult
    mutating func add(
        key: [UInt8], provider: PeerID, addresses: [Multiaddr], now: ContinuousClock.Instant = .now
    ) -> Bool {
        expire(now: now)
        guard records[key] != nil || records.count < maxKeys else { return false }
        var providers = records[key] ?? [:]
        if providers[provider] == nil, providers.count >= maxPerKey,
            let oldest = providers.min(by: { $0.value.received < $1.value.received })?.key
        {
            providers[oldest] = nil
        }
        providers[provider] = Record(addresses: Array(addresses.prefix(KadMessage.maxAddresses)), received: now)
        records[key] = providers
        return true
    }

    /// The live providers of `key`, most recently heard first.
    mutating func providers(of key: [UInt8], now: ContinuousClock.Instant = .now) -> [KadMessage.Peer] {
        expire(now: now)
        let cutoff = now - lifetime
        return (records[key] ?? [:]).filter { $0.value.received > cutoff }
            .sorted { $0.value.received > $1.value.received }
            .map { KadMessage.Peer(id: $0.key, addresses: $0.value.addresses) }
    }

    /// Drops expired records, at most once a second (reads filter on their own).
    private mutating func expire(now: ContinuousClock.Instant) {
        if let lastSweep, now - lastSweep < .seconds(1) { return }
        lastSweep = now
        let cutoff = now - lifetime
        for (key, providers) in records {
            let live = providers.filter { $0.value.received > cutoff }
            records[key] = live.isEmpty ? nil : live
        }
    }
}
