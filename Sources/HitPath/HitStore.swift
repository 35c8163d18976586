internal import CSQLite
import LeanCore

/// The store, read with SQLite's C API: one entry and the hit's bookkeeping, nothing else.
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

        /// ``CacheEntry/isFresh(ttl:now:)`` of CacheCore.
        func isFresh(ttl: Int, now: Double) -> Bool {
            now - fetchedAt < Double(ttl) && !(invalidatedAt.map { $0 >= fetchedAt } ?? false)
        }
    }

    private let db: OpaquePointer

    /// Opens the store at `path` for reading and writing; `nil` when it is missing, foreign, of another schema
    /// version, or cannot be opened.
    init?(path: String) {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            let handle
        else {
            sqlite3_close(handle)
            return nil
        }
        db = handle
        // The full program's settings (CacheStore, GRDB's WAL set-up).
        sqlite3_busy_timeout(db, 30_000)
        guard sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nil, nil, nil) == SQLITE_OK else { return nil }
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
        guard current else { return nil }
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

    /// ``CacheStore/recordServed(key:counter:now:)`` of CacheCore: the entry's last access and one more `counter`, in
    /// one transaction. `false` when it could not be written (nothing was).
    func recordServed(key: String, counter: String, now: Double) -> Bool {
        guard sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK else { return false }
        let written =
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
        guard written, sqlite3_exec(db, "COMMIT", nil, nil, nil) == SQLITE_OK else {
            sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            return false
        }
        return true
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
