/// StrictSign signing and verification of pubsub messages (`pubsub/README.md` §Message Signing; spec §8.3).
extension WireMessage {
    /// A message from `identity`, signed over `"libp2p-pubsub:" ‖ fields 1-4`.
    ///
    /// `key` is left out: for Ed25519 the public key is inlined in `from`, and py-libp2p accepts
    /// that (spec §8.3).
    static func signed(
        by identity: Identity, data: [UInt8], seqno: UInt64, topic: String
    ) throws -> WireMessage {
        var message = WireMessage(
            from: identity.peerID.bytes, data: data, seqno: seqnoBytes(seqno), topics: [topic])
        message.signature = try identity.sign(message.signingInput)
        return message
    }

    /// The 8-byte big-endian encoding of a sequence number.
    static func seqnoBytes(_ seqno: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: seqno >> (56 - 8 * $0)) }
    }

    /// Checks StrictSign: `from`, `seqno` and a topic present, a signature that verifies with the
    /// key inlined in `from` or carried in `key` (which must then match `from`).
    /// - Returns: the originator, or why the message is rejected.
    func verifyStrictSign() -> Result<PeerID, GossipRejectReason> {
        guard let fromBytes = from, let origin = try? PeerID(bytes: fromBytes), seqno != nil, !topics.isEmpty else {
            return .failure(.malformedMessage)
        }
        guard let signature else { return .failure(.unsigned) }
        let publicKey: PublicKey
        if let key {
            guard let decoded = try? PublicKey(protobuf: key), PeerID(publicKey: decoded) == origin else {
                return .failure(.keyMismatch)
            }
            publicKey = decoded
        } else {
            guard let inlined = origin.publicKey else { return .failure(.keyMismatch) }
            publicKey = inlined
        }
        guard publicKey.isValidSignature(signature, for: signingInput) else { return .failure(.invalidSignature) }
        return .success(origin)
    }
}
