import CacheCore
import Foundation

/// Turns entries into gossip message data and back for one fleet: Fernet over the ``Envelope``.
///
/// `seal` is what a peer publishes (and what join-time sync sends); `open` is the full validation a received
/// message passes before it may be stored (it yields a ``VerifiedEntry``). Whether it is newer than the stored copy
/// is the store's check (``CacheStore/upsertFromPeer(_:peer:now:)``).
public struct FleetCodec: Sendable {
    /// The largest message accepted or produced: what fits in one gossipsub RPC of at most 1 MiB (the cap of
    /// py-libp2p and of this LibP2P, applied to the whole RPC before any message in it is seen) beside the RPC's
    /// own fields (topic, `from`, sequence number, signature and key, protobuf framing: ~180 bytes; 1 KiB kept).
    public static let maxMessageBytes = 1024 * 1024 - rpcReserveBytes
    /// The part of the 1 MiB RPC kept for the RPC's own fields.
    public static let rpcReserveBytes = 1024
    /// The default replay bound: a token older than this is `expired`.
    public static let defaultTokenTTL: Duration = .seconds(600)
    /// The default tolerated clock difference between peers.
    public static let defaultMaxClockSkew: Duration = .seconds(60)

    /// The fleet's gossipsub topic.
    public let topic: String
    /// Tokens older than this are dropped as `expired`.
    public let tokenTTL: Duration
    /// Token timestamps and fetch times may lie this far in the future.
    public let maxClockSkew: Duration
    /// The topics of the previous fleet keys (a rotation in progress): subscribed to, never published on.
    public let previousTopics: [String]
    private(set) var fernet: Fernet
    /// The previous fleet keys: what they sealed is still opened (like Python's `MultiFernet`); nothing is sealed
    /// with them.
    private(set) var previous: [Fernet]

    /// A codec for the fleet key with the given replay bound and clock-skew tolerance; messages sealed with a key of
    /// `previous` are opened too (a rotation of the fleet secret, docs/PROTOCOL.md §1).
    public init(
        key: FleetKey, previous: [FleetKey] = [], tokenTTL: Duration = defaultTokenTTL,
        maxClockSkew: Duration = defaultMaxClockSkew
    ) {
        self.topic = key.topic
        self.tokenTTL = tokenTTL
        self.maxClockSkew = maxClockSkew
        self.fernet = Fernet(key: key)
        self.previous = previous.map(Fernet.init(key:))
        self.previousTopics = previous.map(\.topic).filter { $0 != key.topic }
    }

    /// The message data for `entry`: the ASCII bytes of a Fernet token stamped `now`.
    ///
    /// - Throws: `oversized` when the entry cannot fit in one message (it is then not replicated).
    public func seal(_ entry: ReplicatedEntry, now: Date = Date()) throws(Rejection) -> [UInt8] {
        let token = Array(fernet.encrypt(try Envelope.encode(entry), now: now).utf8)
        guard token.count <= Self.maxMessageBytes else {
            throw Rejection(.oversized, "message of \(token.count) bytes exceeds \(Self.maxMessageBytes)")
        }
        return token
    }

    /// Validates and decodes received message data.
    ///
    /// - Throws: a ``Rejection`` (`oversized`, `undecryptable`, `expired`, `clock_skew`, `malformed`,
    ///   `cid_mismatch`); never anything else, whatever the bytes.
    public func open(_ message: some Collection<UInt8>, now: Date = Date()) throws(Rejection) -> VerifiedEntry {
        let plaintext = try decryptMessage(message, now: now)
        return try Envelope.decode(plaintext, now: now, maxClockSkew: maxClockSkew)
    }

    /// Checks a message's size and Fernet token (§3 of docs/PROTOCOL.md) and returns the plaintext.
    func decryptMessage(_ message: some Collection<UInt8>, now: Date) throws(Rejection) -> Data {
        guard message.count <= Self.maxMessageBytes else {
            throw Rejection(.oversized, "message of \(message.count) bytes exceeds \(Self.maxMessageBytes)")
        }
        guard message.allSatisfy({ $0 < 0x80 }), let token = String(bytes: message, encoding: .ascii) else {
            throw Rejection(.undecryptable, "message is not an ASCII Fernet token")
        }
        do throws(FernetError) {
            return try decrypt(token, now: now).plaintext
        } catch {
            switch error {
            case .expired: throw Rejection(.expired, error.description)
            case .fromTheFuture: throw Rejection(.clockSkew, error.description)
            case .badPadding: throw Rejection(.malformed, error.description)
            default: throw Rejection(.undecryptable, error.description)
            }
        }
    }

    /// This codec sealing with the key that opened `message` when that is a previous key (its sender has not been
    /// restarted with the new secret yet), so that the sender can read the answer; otherwise `self`.
    func answering(_ message: some Collection<UInt8>, now: Date = Date()) -> FleetCodec {
        guard !previous.isEmpty, let token = String(bytes: message, encoding: .ascii),
            let index = try? decrypt(token, now: now).key, index > 0
        else { return self }
        var codec = self
        codec.fernet = previous[index - 1]
        codec.previous = [fernet] + previous.enumerated().filter { $0.offset != index - 1 }.map(\.element)
        return codec
    }

    /// The plaintext of `token` under the fleet key or, failing its signature, a previous key (the first whose
    /// signature matches opens it; its other checks then apply as they would to the current key's), and which key
    /// opened it (0: the fleet key, then `previous` in order).
    private func decrypt(_ token: String, now: Date) throws(FernetError) -> (plaintext: Data, key: Int) {
        let keys = [fernet] + previous
        for (index, key) in keys.enumerated() {
            do throws(FernetError) {
                return (try key.decrypt(token, ttl: tokenTTL, maxClockSkew: maxClockSkew, now: now), index)
            } catch .invalidSignature where index < keys.count - 1 {
                continue
            }
        }
        throw .invalidSignature
    }
}
