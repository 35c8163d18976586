/// What every reader of the store must agree on: its file name, its `application_id` and its migrations, in order.
/// CacheCore's `Schema` registers its migrations under these names; `ghcache-get`'s lean hit path reads a store only
/// when its completed migrations are exactly these (an older or newer store goes to the full program, which migrates
/// or refuses it).
public enum StoreLayout {
    /// The SQLite file in the cache directory.
    public static let fileName = "cache.sqlite"
    /// `PRAGMA application_id` of a ghcache store ("GHCA"); anything else is a foreign file.
    public static let applicationID: Int32 = 1_195_918_145
    /// The identifiers of the schema migrations, oldest first.
    public static let migrations = [
        "v1", "v2-entry-access", "v3-invalidation", "v4-graphql", "v5-variants", "v6-daemon-credential",
    ]
}
