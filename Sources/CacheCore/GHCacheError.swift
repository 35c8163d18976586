/// A failure shown to a user: what happened and what to do next, plus the exit status.
public struct GHCacheError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The one-paragraph message printed after `error:` on stderr.
    public let message: String
    /// The process exit status for this failure.
    public let exitStatus: ExitStatus
    /// GitHub's own answer when the failure is one (a 404, a 5xx with no usable copy, a rate-limit
    /// refusal), so that the local endpoint can relay it to its client unchanged; `nil` otherwise.
    public let upstream: GitHubResponse?

    /// Creates an error with a message and an exit status, and GitHub's answer if the error is one.
    public init(_ message: String, exitStatus: ExitStatus, upstream: GitHubResponse? = nil) {
        self.message = message
        self.exitStatus = exitStatus
        self.upstream = upstream
    }

    public var description: String { message }
}
