/// Who may read a cached body (`CACHE_SHARING`): the one rule every reader applies — the lean front, the full
/// `ghcache-get`, the local endpoint, fills served for other runners, offline and stale-if-error answers.
public enum SharingMode: String, Sendable, CaseIterable {
    /// A token reads a body only if GitHub has shown that body to it within `CACHE_ACCESS_TTL` (it fetched it, or
    /// its conditional request was answered `304`); any other token proves it first with one conditional request.
    case verified
    /// A body only ever goes to a token GitHub showed it to (ghproxy's model: no proofs, no sharing across tokens).
    case token
    /// Any token reads anything cached (for fleets whose every token is the organisation's own automation).
    case fleet
}

/// The decision for one token and one stored body, from when GitHub last showed that body to the token.
public struct AccessRule: Sendable, Equatable {
    /// The sharing mode.
    public var mode: SharingMode
    /// How long a token stays allowed after GitHub showed it a body (`CACHE_ACCESS_TTL`), in seconds.
    public var accessTTL: Int

    /// The rule for `mode` and `accessTTL`.
    public init(mode: SharingMode, accessTTL: Int) {
        self.mode = mode
        self.accessTTL = accessTTL
    }

    /// What a reader may do with a body for a token that GitHub last showed it at `seenAt` (`nil`: never).
    public enum Decision: Sendable, Equatable {
        /// Serve it.
        case serve
        /// Prove first: one conditional request with this token and the ETag GitHub would give it for the body.
        case prove
        /// Do not serve it; fetch this token's own view (`token` mode).
        case fetchOwn
    }

    /// The decision for a fresh body.
    public func decision(seenAt: Double?, now: Double) -> Decision {
        switch mode {
        case .fleet: return .serve
        case .token: return seenAt == nil ? .fetchOwn : .serve
        case .verified:
            guard let seenAt, now - seenAt <= Double(accessTTL) else { return .prove }
            return .serve
        }
    }

    /// Whether a stale or offline copy may be served when GitHub cannot be asked: only to a token that GitHub has
    /// shown this body (at any time; `fleet` mode: to any token). An unproven token fails closed.
    public func mayServeWithoutGitHub(seenAt: Double?) -> Bool {
        mode == .fleet || seenAt != nil
    }
}

/// The ETag GitHub gives a JSON answer (observed 2025–2026; undocumented, see docs/TRUST.md): the lower-case hex
/// SHA-256 of the values of `Accept`, `Authorization` and `Cookie` as sent, each present one followed by `:`,
/// then the uncompressed body bytes. GitHub labels it `W/"…"`; `If-None-Match` compares weakly.
public enum GitHubETag {
    /// `"<hex>"` for a request with these header values (`nil`: the header was not sent) and this body.
    public static func of(
        accept: String?, authorization: String?, cookie: String? = nil, body: some Collection<UInt8>
    ) -> String {
        var bytes: [UInt8] = []
        for value in [accept, authorization, cookie] {
            if let value { bytes += Array(value.utf8) + [UInt8(ascii: ":")] }
        }
        bytes += body
        return "\"\(SHA256Digest.hex(bytes))\""
    }
}

extension SHA256Digest {
    /// HMAC-SHA256 of `message` under `key` (RFC 2104), as `TokenFingerprinter` computes it with swift-crypto.
    public static func hmac(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var block = Array(key)
        if block.count > 64 { block = hash(block) }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = hash(block.map { $0 ^ 0x36 } + Array(message))
        return hash(block.map { $0 ^ 0x5c } + inner)
    }
}
