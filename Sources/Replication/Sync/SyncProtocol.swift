/// Constants of the join-time sync protocol (docs/PROTOCOL.md §6).
public enum SyncProtocol {
    /// The multistream-select protocol ID.
    public static let id = "/ghcache/sync/1.0.0"
    /// The largest frame payload (a request or one entry token, which is at most `FleetCodec.maxMessageBytes`).
    public static let maxFrameBytes = 1024 * 1024
    /// The most entries one response carries.
    public static let maxEntries = 10_000
    /// The most frame bytes one response carries.
    public static let maxResponseBytes = 64 * 1024 * 1024
    /// The time a responder waits for the request.
    public static let requestTimeout: Duration = .seconds(10)
    /// The longest a whole response may take.
    public static let responseTimeout: Duration = .seconds(60)
    /// The longest a requester waits for the next complete frame.
    public static let idleTimeout: Duration = .seconds(10)
}
