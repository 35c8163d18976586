/// The exit statuses of the ghcache binaries, documented in every `--help` and man page.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The answer was printed (possibly a stale copy, with a warning on stderr).
    case ok = 0
    /// GitHub answered with an error status (4xx/5xx) and no usable cached copy exists.
    case githubError = 1
    /// Bad command-line arguments or a bad configuration value.
    case usage = 2
    /// No answer allowed: `--offline` with nothing cached, or GitHub's rate limit /
    /// `Retry-After` forbids a call and nothing usable is cached.
    case unavailable = 3
    /// GitHub could not be reached (timeout, refused or reset connection, DNS) and nothing usable is cached.
    case network = 4
    /// The local store could not be opened, read or written.
    case store = 5

    /// One line per status, for `--help` and man pages.
    public static let summary = """
        0  success (a stale copy served after an error also exits 0, with a warning)
        1  GitHub answered with an error status and no usable cached copy exists
        2  bad arguments or configuration value
        3  not allowed to call GitHub (--offline, rate limit, Retry-After) and nothing usable is cached
        4  network failure (timeout, connection refused or reset) and nothing usable is cached
        5  the local store could not be opened, read or written
        """
}
