import CacheCore
import Foundation

@testable import Replication

/// Entries and hand-built envelopes shared by the tests.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_750_000_000.250)
    static let key = FleetKey(secret: "test-token")

    static func entry(body: String = #"[{"id":1,"name":"hello"}]"#) -> ReplicatedEntry {
        ReplicatedEntry(
            key: RequestTarget.key(
                method: "GET", url: "/repos/octo/hello/actions/runs?status=queued",
                accept: "application/vnd.github+json", apiVersion: "2022-11-28"),
            url: "/repos/octo/hello/actions/runs?status=queued", accept: "application/vnd.github+json",
            apiVersion: "2022-11-28", status: 200,
            headers: [
                "Content-Type": "application/json; charset=utf-8", "ETag": #"W/"abc""#,
                "Link": #"<https://api.github.com/x?page=2>; rel="next""#, "X-RateLimit-Remaining": "42",
            ],
            body: Data(body.utf8), fetchedAtMilliseconds: ReplicatedEntry.milliseconds(now - 1),
            expiresAtMilliseconds: ReplicatedEntry.milliseconds(now + 119),
            originPeer: "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")
    }

    /// The metadata object `entry` encodes to, as a dictionary to tamper with.
    static func metadata(_ entry: ReplicatedEntry) -> [String: Any] {
        [
            "key": entry.key, "method": entry.method, "url": entry.url, "accept": entry.accept,
            "api_version": entry.apiVersion.isEmpty ? NSNull() : entry.apiVersion, "status": entry.status,
            "headers": entry.headers,
            "cid": entry.cid, "fetched_at_ms": entry.fetchedAtMilliseconds,
            "expires_at_ms": entry.expiresAtMilliseconds, "origin_peer": entry.originPeer ?? "",
        ]
    }

    /// An envelope built by hand, the way docs/PROTOCOL.md describes it.
    static func envelope(metadata: [String: Any], body: Data, version: UInt8 = 1) throws -> [UInt8] {
        let json = try JSONSerialization.data(withJSONObject: metadata)
        var inner = withUnsafeBytes(of: UInt32(json.count).bigEndian) { Array($0) }
        inner += json
        inner += body
        return [version] + (try Zlib.compress(inner))
    }
}
