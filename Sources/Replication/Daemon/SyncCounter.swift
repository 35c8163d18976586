/// Names of the join-time sync statistics in the store's `counters` table (docs/PROTOCOL.md §6).
public enum SyncCounter {
    /// Sync exchanges this daemon completed as the requester.
    public static let sessions = "sync_sessions"
    /// Entries received through sync and stored.
    public static let entriesReceived = "sync_entries_received"
    /// Entries sent to requesting peers.
    public static let entriesSent = "sync_entries_sent"
    /// Sync requests refused, by reason: `sync_rejected.<reason>`.
    public static func rejected(_ reason: RejectReason) -> String { "sync_rejected.\(reason.rawValue)" }
}
