extension FleetKey {
    /// The gossipsub topic of this fleet: `ghcache/1/` followed by the first 32 hex digits (128 bits) of
    /// HMAC-SHA256(key: the 32 fleet-key bytes, message: `ghcache-topic-v1`).
    ///
    /// Different secrets give different topics (collisions need a 128-bit HMAC collision), and the name reveals
    /// nothing about the key: HMAC is a pseudo-random function, so the tag gives no handle on the key beyond
    /// offline guessing of the secret, which PBKDF2's 100 000 iterations already slow exactly as for a token.
    public var topic: String {
        let tag = derived("ghcache-topic-v1")
        return "ghcache/1/"
            + tag.prefix(16).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 0x10 ? "0" + hex : hex
            }.joined()
    }
}
