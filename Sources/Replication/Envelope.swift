import CacheCore
import Foundation

/// The versioned, compressed encoding of one ``ReplicatedEntry`` (the plaintext of a Fernet token).
///
/// Version 1, byte for byte (docs/PROTOCOL.md):
///
///     0x01 ‖ zlib( u32 BE n ‖ n bytes of UTF-8 JSON metadata ‖ body bytes )
///
/// The metadata object has the keys `key`, `method`, `url`, `accept`, `api_version` (a non-empty string), `status`,
/// `headers` (object, lower-case names), `cid`, `fetched_at_ms`, `expires_at_ms`, `origin_peer` and `validators`
/// (an array of `{"token_fp", "etag", "last_modified"}`, newest first; absent in messages of writers that predate
/// it, read as empty); unknown keys are ignored. The body is the exact response body, not re-encoded.
public enum Envelope {
    /// The only version this code writes and reads.
    public static let version: UInt8 = 0x01
    /// The largest decompressed envelope accepted (zip-bomb bound).
    public static let maxDecompressedBytes = 8 * 1024 * 1024
    /// The largest metadata object accepted.
    public static let maxMetadataBytes = 64 * 1024
    /// The longest accepted `key`, `url`, header value, or other string field (bytes).
    static let maxFieldBytes = 16 * 1024

    /// Encodes an entry. Throws when it has no ``ReplicatedEntry/originPeer`` (`malformed`), or when the metadata
    /// alone exceeds ``maxMetadataBytes`` or the whole envelope ``maxDecompressedBytes`` (such an entry cannot be
    /// replicated).
    public static func encode(_ entry: ReplicatedEntry) throws(Rejection) -> [UInt8] {
        guard let originPeer = entry.originPeer, !originPeer.isEmpty else {
            throw Rejection(.malformed, "entry has no origin peer")
        }
        let metadata = Metadata(entry, originPeer: originPeer)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(metadata) else { throw Rejection(.malformed, "metadata not encodable") }
        guard json.count <= maxMetadataBytes else {
            throw Rejection(.oversized, "metadata of \(json.count) bytes exceeds \(maxMetadataBytes)")
        }
        let total = 4 + json.count + entry.body.count
        guard total <= maxDecompressedBytes else {
            throw Rejection(.oversized, "envelope of \(total) bytes exceeds \(maxDecompressedBytes)")
        }
        var inner = [UInt8]()
        inner.reserveCapacity(total)
        withUnsafeBytes(of: UInt32(json.count).bigEndian) { inner.append(contentsOf: $0) }
        inner.append(contentsOf: json)
        inner.append(contentsOf: entry.body)
        do {
            return [version] + (try Zlib.compress(inner))
        } catch {
            throw Rejection(.oversized, "zlib could not compress \(total) bytes")
        }
    }

    /// Decodes and validates an envelope received at `now`.
    ///
    /// - Parameter maxClockSkew: how far in the future `fetched_at_ms` may lie.
    /// - Throws: a ``Rejection`` whose reason is `malformed`, `oversized`, `expired`, `clock_skew`, `key_mismatch`
    ///   or `cid_mismatch`.
    public static func decode(
        _ bytes: some Collection<UInt8>, now: Date, maxClockSkew: Duration = .seconds(60)
    ) throws(Rejection) -> VerifiedEntry {
        guard let first = bytes.first else { throw Rejection(.malformed, "empty envelope") }
        guard first == version else { throw Rejection(.malformed, "unknown envelope version \(first)") }
        let inner: [UInt8]
        do {
            inner = try Zlib.decompress(Array(bytes.dropFirst()), limit: maxDecompressedBytes)
        } catch .tooLarge {
            throw Rejection(.oversized, "envelope decompresses beyond \(maxDecompressedBytes) bytes")
        } catch {
            throw Rejection(.malformed, "envelope is not one valid zlib stream (\(error))")
        }
        guard inner.count >= 4 else { throw Rejection(.malformed, "envelope shorter than its length prefix") }
        let metadataCount = inner[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard metadataCount <= maxMetadataBytes else {
            throw Rejection(.oversized, "metadata of \(metadataCount) bytes exceeds \(maxMetadataBytes)")
        }
        guard metadataCount <= inner.count - 4 else {
            throw Rejection(.malformed, "metadata length \(metadataCount) exceeds the envelope")
        }
        let metadata: Metadata
        do {
            metadata = try JSONDecoder().decode(Metadata.self, from: Data(inner[4..<(4 + metadataCount)]))
        } catch {
            throw Rejection(.malformed, "metadata is not the expected JSON object (\(describe(error)))")
        }
        let body = Data(inner[(4 + metadataCount)...])
        return try metadata.verifiedEntry(body: body, now: now, maxClockSkew: maxClockSkew)
    }

    /// A short description of a JSON decoding error: the field path, not the data.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "missing \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "invalid JSON" : "bad \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "invalid JSON"
        }
    }
}

/// The JSON metadata object of an envelope.
private struct Metadata: Codable {
    var key: String
    var method: String
    var url: String
    var accept: String
    var apiVersion: String?
    var status: Int
    var headers: [String: String]
    var cid: String
    var fetchedAtMs: Int64
    var expiresAtMs: Int64
    var originPeer: String
    var validators: [WireValidator]

    enum CodingKeys: String, CodingKey {
        case key, method, url, accept, status, headers, cid, validators
        case apiVersion = "api_version"
        case fetchedAtMs = "fetched_at_ms"
        case expiresAtMs = "expires_at_ms"
        case originPeer = "origin_peer"
    }

    /// One element of `validators`: `etag` and `last_modified` are strings or null (or absent); `seen_at_ms`, when
    /// GitHub showed the body to that token, an integer or absent (writers before access-checked sharing).
    struct WireValidator: Codable {
        var tokenFingerprint: String
        var etag: String?
        var lastModified: String?
        var seenAtMs: Int64?

        enum CodingKeys: String, CodingKey {
            case etag
            case tokenFingerprint = "token_fp"
            case lastModified = "last_modified"
            case seenAtMs = "seen_at_ms"
        }

        init(_ validator: TokenValidator) {
            tokenFingerprint = validator.tokenFingerprint
            etag = validator.etag
            lastModified = validator.lastModified
            seenAtMs = validator.seenAt.map(ReplicatedEntry.milliseconds)
        }

        /// Writes absent values as `null`, so every key is always present (`seen_at_ms` only when known).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(etag, forKey: .etag)
            try container.encode(lastModified, forKey: .lastModified)
            try container.encode(tokenFingerprint, forKey: .tokenFingerprint)
            try container.encodeIfPresent(seenAtMs, forKey: .seenAtMs)
        }
    }

    init(_ entry: ReplicatedEntry, originPeer: String) {
        key = entry.key
        method = entry.method
        url = entry.url
        accept = entry.accept
        apiVersion = entry.apiVersion.isEmpty ? nil : entry.apiVersion
        status = entry.status
        headers = entry.headers
        cid = entry.cid
        fetchedAtMs = entry.fetchedAtMilliseconds
        expiresAtMs = entry.expiresAtMilliseconds
        self.originPeer = originPeer
        validators = entry.validators.prefix(TokenValidator.maxPerEntry).map(WireValidator.init)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        method = try container.decode(String.self, forKey: .method)
        url = try container.decode(String.self, forKey: .url)
        accept = try container.decode(String.self, forKey: .accept)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        status = try container.decode(Int.self, forKey: .status)
        headers = try container.decode([String: String].self, forKey: .headers)
        cid = try container.decode(String.self, forKey: .cid)
        fetchedAtMs = try container.decode(Int64.self, forKey: .fetchedAtMs)
        expiresAtMs = try container.decode(Int64.self, forKey: .expiresAtMs)
        originPeer = try container.decode(String.self, forKey: .originPeer)
        // Writers before validators travelled leave the key out.
        validators = try container.decodeIfPresent([WireValidator].self, forKey: .validators) ?? []
    }

    /// Writes `api_version` as `null` when absent, so every key is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(method, forKey: .method)
        try container.encode(url, forKey: .url)
        try container.encode(accept, forKey: .accept)
        try container.encode(apiVersion, forKey: .apiVersion)
        try container.encode(status, forKey: .status)
        try container.encode(headers, forKey: .headers)
        try container.encode(cid, forKey: .cid)
        try container.encode(fetchedAtMs, forKey: .fetchedAtMs)
        try container.encode(expiresAtMs, forKey: .expiresAtMs)
        try container.encode(originPeer, forKey: .originPeer)
        try container.encode(validators, forKey: .validators)
    }

    /// Checks the wire format of every field (lengths, a normalised path, header values, validators), builds the
    /// entry with the CID it claims, and has ``VerifiedEntry`` check what it means (request, times, key, CID).
    func verifiedEntry(body: Data, now: Date, maxClockSkew: Duration) throws(Rejection) -> VerifiedEntry {
        let limit = Envelope.maxFieldBytes
        for (name, value) in [("key", key), ("url", url), ("accept", accept), ("origin_peer", originPeer)]
        where value.utf8.count > limit {
            throw Rejection(.malformed, "\(name) longer than \(limit) bytes")
        }
        guard !key.isEmpty else { throw Rejection(.malformed, "empty key") }
        guard url.hasPrefix("/"), !url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true })
        else { throw Rejection(.malformed, "url is not a normalised path") }
        if let apiVersion, apiVersion.utf8.count > 64 { throw Rejection(.malformed, "api_version too long") }
        guard !originPeer.isEmpty else { throw Rejection(.malformed, "empty origin_peer") }
        for (name, value) in headers {
            guard CacheEntry.keptHeaders.contains(name) else { continue }  // ignored, documented
            guard value.utf8.count <= limit, !value.contains(where: \.isNewline) else {
                throw Rejection(.malformed, "header \(name) value is invalid")
            }
        }
        let entry = ReplicatedEntry(
            key: key, method: method, url: url, accept: accept, apiVersion: apiVersion, status: status,
            headers: headers, body: body, cid: cid, fetchedAtMilliseconds: fetchedAtMs,
            expiresAtMilliseconds: expiresAtMs, originPeer: originPeer, validators: try validatedValidators())
        return try VerifiedEntry(
            checking: entry, now: now.timeIntervalSince1970,
            maxClockSkew: Double(maxClockSkew.components.seconds))
    }

    /// `validators`, checked: at most ``TokenValidator/maxPerEntry``, each with a well-formed fingerprint (32
    /// lower-case hex digits) that appears once, at least one of `etag` and `last_modified`, and values of at
    /// most ``TokenValidator/maxValueBytes`` printable ASCII bytes.
    private func validatedValidators() throws(Rejection) -> [TokenValidator] {
        guard validators.count <= TokenValidator.maxPerEntry else {
            throw Rejection(.malformed, "\(validators.count) validators, more than \(TokenValidator.maxPerEntry)")
        }
        var seen: Set<String> = []
        var checked: [TokenValidator] = []
        for (index, wire) in validators.enumerated() {
            let validator = TokenValidator(
                tokenFingerprint: wire.tokenFingerprint, etag: wire.etag, lastModified: wire.lastModified,
                seenAt: wire.seenAtMs.map { Double($0) / 1000 })
            guard validator.isWellFormed, wire.seenAtMs.map({ $0 >= 0 }) ?? true else {
                throw Rejection(.malformed, "validators[\(index)] is invalid")
            }
            guard seen.insert(validator.tokenFingerprint).inserted else {
                throw Rejection(.malformed, "validators[\(index)] repeats a token fingerprint")
            }
            checked.append(validator)
        }
        return checked
    }
}
