import GRDB

/// The store's schema, as `DatabaseMigrator` migrations. Never edit a shipped migration: add one.
///
/// Tables:
/// - `entries`: one cached response per key (see ``CacheEntry``); `seq` grows on every write so a
///   daemon can tail local writes; `origin` is `local` or `peer`.
/// - `validators`: `ETag` / `Last-Modified` per (key, token fingerprint); ETags are bound to a token.
/// - `counters`: statistics (name → integer), incremented by every process (see ``Counter``).
/// - `store_meta`: internal integers (`last_seq`).
/// - `entry_access`: when a hit last used an entry (v2); kept apart so that a hit does not rewrite
///   the entry and its body. The effective `last_access` is the later of both.
/// - `entries.invalidated_at` (v3): when a successful write through the local endpoint last invalidated the
///   entry (`NULL`: never); a copy fetched before it is not fresh.
/// - `graphql_entries` (v4): GraphQL answers, each under a key that includes the token fingerprint (`token_fp`,
///   also checked on read): only the token that received an answer is served it. Never replicated.
/// - `graphql_rate_limit` (v4): the last GraphQL rate-limit headers (`x-ratelimit-resource: graphql`), apart from
///   REST's `rate_limit`.
/// - `validators.cid` (v5): which body GitHub showed the token (`NULL` in rows written before v5: the entry's).
/// - `variants` (v5): the other bodies of a key that tokens were shown (a repository's `permissions` differ per
///   token), each with its own fetch time; a token is served the body its `validators` row names. Never replicated.
/// - `peer_status`: one row written by the `ghcache-peer` daemon (heartbeat); `credential` (v6) says which GitHub
///   credential the daemon uses (JSON ``CredentialStatus``, never the token).
/// - `fetch_locks`: leases that collapse concurrent identical misses into one API call.
/// - `backoff`: "do not call GitHub before" per token fingerprint (Retry-After, spent rate limit).
/// - `rate_limit`: the last rate-limit headers seen from GitHub.
enum Schema {
    /// `PRAGMA application_id` of a ghcache store ("GHCA"); anything else is a foreign file.
    static let applicationID = StoreLayout.applicationID

    /// The migrations, registered under ``StoreLayout/migrations`` (which must name every one, in order).
    static var migrator: DatabaseMigrator {
        let names = StoreLayout.migrations
        var migrator = DatabaseMigrator()
        migrator.registerMigration(names[0]) { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(
                sql: """
                    CREATE TABLE entries (
                        key TEXT PRIMARY KEY NOT NULL,
                        method TEXT NOT NULL,
                        url TEXT NOT NULL,
                        accept TEXT NOT NULL,
                        api_version TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        headers TEXT NOT NULL,
                        body BLOB NOT NULL,
                        cid TEXT NOT NULL,
                        fetched_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        last_access REAL NOT NULL,
                        origin TEXT NOT NULL CHECK (origin IN ('local', 'peer')),
                        origin_peer TEXT,
                        seq INTEGER NOT NULL,
                        size INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX entries_by_seq ON entries(seq);
                    CREATE INDEX entries_by_last_access ON entries(last_access);
                    CREATE INDEX entries_by_expiry ON entries(expires_at);
                    CREATE TABLE validators (
                        key TEXT NOT NULL,
                        token_fp TEXT NOT NULL,
                        etag TEXT,
                        last_modified TEXT,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (key, token_fp)
                    ) WITHOUT ROWID;
                    CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE store_meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO store_meta (name, value) VALUES ('last_seq', 0);
                    CREATE TABLE peer_status (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        peer_id TEXT NOT NULL,
                        addresses TEXT NOT NULL,
                        connected_peers TEXT NOT NULL,
                        heartbeat_at REAL NOT NULL,
                        pid INTEGER NOT NULL
                    );
                    CREATE TABLE fetch_locks (
                        key TEXT PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        expires_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE backoff (
                        scope TEXT PRIMARY KEY NOT NULL,
                        not_before REAL NOT NULL,
                        reason TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE rate_limit (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        remaining INTEGER NOT NULL,
                        limit_total INTEGER,
                        reset_at REAL,
                        resource TEXT,
                        observed_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration(names[1]) { db in
            try db.execute(
                sql: """
                    CREATE TABLE entry_access (key TEXT PRIMARY KEY NOT NULL, last_access REAL NOT NULL) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration(names[2]) { db in
            try db.execute(sql: "ALTER TABLE entries ADD COLUMN invalidated_at REAL")
        }
        migrator.registerMigration(names[3]) { db in
            try db.execute(
                sql: """
                    CREATE TABLE graphql_entries (
                        key TEXT PRIMARY KEY NOT NULL,
                        token_fp TEXT NOT NULL,
                        operation TEXT,
                        status INTEGER NOT NULL,
                        headers TEXT NOT NULL,
                        body BLOB NOT NULL,
                        cost INTEGER NOT NULL,
                        fetched_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        size INTEGER NOT NULL
                    );
                    CREATE INDEX graphql_entries_by_expiry ON graphql_entries(expires_at);
                    CREATE TABLE graphql_rate_limit (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        remaining INTEGER NOT NULL,
                        limit_total INTEGER,
                        reset_at REAL,
                        resource TEXT,
                        observed_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration(names[4]) { db in
            try db.execute(
                sql: """
                    ALTER TABLE validators ADD COLUMN cid TEXT;
                    UPDATE validators SET cid = (SELECT e.cid FROM entries e WHERE e.key = validators.key);
                    CREATE TABLE variants (
                        key TEXT NOT NULL,
                        cid TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        headers TEXT NOT NULL,
                        body BLOB NOT NULL,
                        fetched_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        size INTEGER NOT NULL,
                        PRIMARY KEY (key, cid)
                    );
                    """)
        }
        migrator.registerMigration(names[5]) { db in
            try db.execute(sql: "ALTER TABLE peer_status ADD COLUMN credential TEXT")
        }
        return migrator
    }
}
