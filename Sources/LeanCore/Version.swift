/// Facts about this build of ghcache.
public enum GHCacheVersion {
    /// The version printed by `--version` and sent in `User-Agent: ghcache/<version>`.
    public static let current = "0.1.0"
}
