extension FleetKey {
    /// The fleet-wide key of token fingerprints: HMAC-SHA256(key: the 32 fleet-key bytes, message:
    /// `ghcache-token-fingerprint-v1`), 32 bytes.
    ///
    /// `ghcache-peer` installs it as `$CACHE_DIR/fingerprint.key` (``CacheCore/TokenFingerprinter/install(key:cacheDir:)``)
    /// so that `ghcache-get`, which never derives the fleet key, fingerprints a token the same way on every runner
    /// of the fleet, and validators received from peers match. A different label than the topic's
    /// (`ghcache-topic-v1`) keeps the two outputs unrelated; a fingerprint (an HMAC of a token under this key)
    /// reveals neither the token nor the fleet key.
    public var tokenFingerprintKey: [UInt8] { derived("ghcache-token-fingerprint-v1") }
}
