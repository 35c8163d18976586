import Foundation

/// Why a listener could not bind, read from the error's text: NIO and libp2p report the `errno` only there.
public enum ListenFailure: Sendable, Equatable {
    /// `EADDRINUSE`: another process has the port.
    case addressInUse
    /// `EADDRNOTAVAIL`: the address is not one of this machine's.
    case addressNotAvailable
    /// Anything else.
    case other

    /// Classifies `error`.
    public init(_ error: any Error) {
        let text = "\(error)"
        if text.localizedCaseInsensitiveContains("address already in use") || text.contains("EADDRINUSE") {
            self = .addressInUse
        } else if text.localizedCaseInsensitiveContains("cannot assign requested address")
            || text.contains("EADDRNOTAVAIL")
        {
            self = .addressNotAvailable
        } else {
            self = .other
        }
    }
}
