import GRDB

extension CacheStore {
    /// Runs a read, turning any failure into a user-facing store error.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(GHCacheError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// Runs an immediate write transaction, turning any failure into a user-facing store error.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(GHCacheError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// Adds to counters in one transaction (names from ``Counter``; negative amounts allowed).
    public func increment(_ counters: [String: Int]) throws(GHCacheError) {
        guard !counters.isEmpty else { return }
        try write { db in try Self.bump(db, counters) }
    }

    /// Adds one to a counter.
    public func increment(_ counter: String) throws(GHCacheError) {
        try increment([counter: 1])
    }

    /// The current value of every counter.
    public func counters() throws(GHCacheError) -> [String: Int] {
        try read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counters") {
                result[row["name"]] = row["value"]
            }
            return result
        }
    }

    static func bump(_ db: Database, _ counters: [String: Int]) throws {
        for (name, amount) in counters where amount != 0 {
            try db.cachedStatement(
                sql: """
                    INSERT INTO counters (name, value) VALUES (?, ?)
                    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
                    """
            ).execute(arguments: [name, amount])
        }
    }

    /// The next write sequence number (inside a write transaction).
    static func nextSeq(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE store_meta SET value = value + 1 WHERE name = 'last_seq'")
        return try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'last_seq'") ?? 0
    }

    /// The sequence number of the latest write so far.
    public func lastSeq() throws(GHCacheError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'last_seq'") ?? 0 }
    }
}
