/// Errors of the gossipsub layer, with messages meant for operators.
public enum GossipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A peer sent bytes that are not a valid RPC.
    case malformedRPC(String)
    /// A message to publish does not fit in one RPC under the size limit.
    case messageTooLarge(size: Int, limit: Int)
    /// The topic name is empty.
    case invalidTopic(String)
    /// The router was stopped.
    case stopped

    public var description: String {
        switch self {
        case .malformedRPC(let why): "malformed gossipsub RPC: \(why)"
        case .messageTooLarge(let size, let limit):
            "gossipsub message of \(size) bytes exceeds the \(limit)-byte RPC limit; publish smaller payloads"
        case .invalidTopic(let topic): "invalid gossipsub topic '\(topic)': topics must be non-empty"
        case .stopped: "gossipsub has been stopped"
        }
    }
}
