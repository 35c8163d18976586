internal import CSQLite
import LeanCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The store, read with SQLite's C API: one entry and the hit's bookkeeping, nothing else, in one transaction
/// (opened with the store, ended by ``finish(commit:)``).
///
/// Opened only if it exists and is exactly a current ghcache store (``StoreLayout``); every failure is `nil` and the
/// full program (GRDB, migrations, quarantine of a corrupt file, messages) takes over. Never closed: as in the full
/// program, the last connection's close would checkpoint and delete the WAL, which costs more than the whole hit.
struct HitStore {
    /// A stored response, as far as a hit needs it.
    struct Entry {
        var body: [UInt8]
        var fetchedAt: Double
        var invalidatedAt: Double?
        var fromPeer: Bool

        /// Whether the entry may be served (LeanCore's `isFresh`, as CacheCore's entries).
        func isFresh(ttl: Int, now: Double) -> Bool {
            LeanCore.isFresh(fetchedAt: fetchedAt, invalidatedAt: invalidatedAt, ttl: ttl, now: now)
        }
    }

    private let db: OpaquePointer

    private let path: String

    /// The WAL length, in pages, past which a hit checkpoints and empties it. With no daemon holding the store open,
    /// every process is the store's first connection: it rebuilds the WAL index by reading the whole WAL, and, as
    /// processes never close the store (see above), nothing else ever empties it — SQLite's own checkpoints copy the
    /// WAL into the database but a new connection cannot tell, so the WAL only grows (7 MB after 800 hits, each
    /// hit slower than the last: measured 6.4 ms per hit just after emptying, 8.9 ms at 3 MB, floor 5.5 ms). Emptying
    /// it every 32 pages (16 hits) bounds that read to 128 KB.
    static let checkpointPages = 32

    /// Opens the store at `path` and begins a write transaction; `nil` when the store is missing, foreign, of another
    /// schema version, or cannot be opened. (One transaction for the whole hit: each one costs locks and a look at the
    /// WAL index, and a hit that does not write is no hit.)
    init?(path: String) {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            let handle
        else {
            sqlite3_close(handle)
            return nil
        }
        db = handle
        self.path = path
        // The full program's settings (CacheStore, GRDB's WAL set-up), and a page cache of 8 pages instead of the
        // default's 20 pre-allocated ones (a look-up reads each page once; one paired run: 1.58× → 1.51× the floor).
        sqlite3_busy_timeout(db, 30_000)
        guard
            sqlite3_exec(db, "PRAGMA cache_size = 8; PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE", nil, nil, nil)
                == SQLITE_OK
        else {
            return nil
        }
        let names = StoreLayout.migrations.map { "'\($0)'" }.joined(separator: ",")
        let check = """
            SELECT application_id,
                (SELECT count(*) FROM grdb_migrations),
                (SELECT count(*) FROM grdb_migrations WHERE identifier IN (\(names)))
            FROM pragma_application_id
            """
        var current = false
        _ = query(check, bind: []) { row in
            current =
                sqlite3_column_int64(row, 0) == Int64(StoreLayout.applicationID)
                && sqlite3_column_int64(row, 1) == Int64(StoreLayout.migrations.count)
                && sqlite3_column_int64(row, 2) == Int64(StoreLayout.migrations.count)
        }
        guard current else {
            finish(commit: false)
            return nil
        }
    }

    /// The entry stored under `key`; `nil` when there is none or the read fails.
    func entry(forKey key: String) -> Entry? {
        var entry: Entry?
        let sql = "SELECT body, fetched_at, invalidated_at, origin FROM entries WHERE key = ?"
        let done = query(sql, bind: [key]) { row in
            let length = Int(sqlite3_column_bytes(row, 0))
            let body =
                length > 0 && sqlite3_column_blob(row, 0) != nil
                ? Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(row, 0), count: length)) : []
            let invalidated = sqlite3_column_type(row, 2) == SQLITE_NULL ? nil : sqlite3_column_double(row, 2)
            let origin = sqlite3_column_text(row, 3).map { String(cString: $0) }
            entry = Entry(
                body: body, fetchedAt: sqlite3_column_double(row, 1), invalidatedAt: invalidated,
                fromPeer: origin == "peer")
        }
        return done ? entry : nil
    }

    /// When GitHub last showed `key`'s body (the entry's, not a variant's) to the token of `fingerprint`
    /// (CacheCore's `CacheStore.view`), or `nil`.
    func seenAt(key: String, fingerprint: String) -> Double? {
        var seen: Double?
        let sql = """
            SELECT v.updated_at FROM validators v JOIN entries e ON e.key = v.key AND e.cid = v.cid
            WHERE v.key = ? AND v.token_fp = ?
            """
        _ = query(sql, bind: [key, fingerprint]) { row in seen = sqlite3_column_double(row, 0) }
        return seen
    }

    /// The last rate-limit headers GitHub sent (for `--verbose`), if any.
    func lastRateLimit() -> RateLimitSnapshot? {
        var snapshot: RateLimitSnapshot?
        let sql = "SELECT remaining, limit_total, reset_at, resource, observed_at FROM rate_limit WHERE id = 1"
        _ = query(sql, bind: []) { row in
            let isNull = { (column: Int32) in sqlite3_column_type(row, column) == SQLITE_NULL }
            snapshot = RateLimitSnapshot(
                remaining: Int(sqlite3_column_int64(row, 0)),
                limit: isNull(1) ? nil : Int(sqlite3_column_int64(row, 1)),
                reset: isNull(2) ? nil : sqlite3_column_double(row, 2),
                resource: isNull(3) ? nil : sqlite3_column_text(row, 3).map { String(cString: $0) },
                observedAt: sqlite3_column_double(row, 4))
        }
        return snapshot
    }

    /// ``CacheStore/recordServed(key:counter:now:)`` of CacheCore: the entry's last access and one more `counter`.
    /// `false` when it could not be written.
    func recordServed(key: String, counter: String, now: Double) -> Bool {
        execute(
            """
            INSERT INTO entry_access (key, last_access) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET last_access = excluded.last_access
            """, bind: [key, now])
            && execute(
                """
                INSERT INTO counters (name, value) VALUES (?, 1)
                ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
                """, bind: [counter])
    }

    /// Ends the transaction: commits it (then empties a long WAL), or rolls it back. `false` when the commit failed
    /// (nothing was written).
    @discardableResult
    func finish(commit: Bool) -> Bool {
        guard commit, sqlite3_exec(db, "COMMIT", nil, nil, nil) == SQLITE_OK else {
            sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            return false
        }
        emptyLongWAL()
        return true
    }

    /// Checkpoints and truncates the WAL once it is longer than ``checkpointPages`` (best effort: a busy store is left
    /// for a later hit; the hit itself is committed either way).
    private func emptyLongWAL() {
        var status = stat()
        guard stat(path + "-wal", &status) == 0, status.st_size > Self.checkpointPages * 4096 + 32 else { return }
        sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
    }

    // MARK: - Statements

    private func execute(_ sql: String, bind values: [any HitStoreValue]) -> Bool {
        query(sql, bind: values) { _ in }
    }

    /// Runs `sql`, calling `onRow` for each row; `false` on any error.
    private func query(_ sql: String, bind values: [any HitStoreValue], onRow: (OpaquePointer) -> Void) -> Bool {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { return false }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in values.enumerated() {
            guard value.bind(to: statement, at: Int32(offset + 1)) == SQLITE_OK else { return false }
        }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: onRow(statement)
            case SQLITE_DONE: return true
            default: return false
            }
        }
    }
}

/// A Swift value bound to a statement parameter.
private protocol HitStoreValue {
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32
}

extension String: HitStoreValue {
    fileprivate func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        // SQLITE_TRANSIENT: SQLite copies the text before the temporary C string goes away.
        sqlite3_bind_text(statement, index, self, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }
}

extension Double: HitStoreValue {
    fileprivate func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        sqlite3_bind_double(statement, index, self)
    }
}
