import Crypto

extension FleetKey {
    /// HMAC-SHA256(key: the 32 fleet-key bytes, message: `label`): the one derivation of the fleet's public names
    /// (topic, DHT key) and of the token fingerprint key. Distinct labels give unrelated outputs, and an output
    /// reveals nothing about the key beyond offline guessing of the secret, which PBKDF2 already slows.
    func derived(_ label: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: SymmetricKey(data: rawBytes)))
    }

    /// The fleet's rendezvous key on the Kademlia DHT: a sha2-256 multihash (`0x12 0x20` and 32 bytes, the shape
    /// of a content key) whose digest is ``derived(_:)`` of `ghcache-dht-v1`. Every daemon of the fleet provides
    /// it and looks up its providers; other fleets' keys differ, and the key tells a DHT node nothing about the
    /// secret, the topic or the fleet.
    public var dhtKey: [UInt8] { [0x12, 0x20] + derived("ghcache-dht-v1") }
}
