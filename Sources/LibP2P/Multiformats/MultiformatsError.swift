/// An error decoding or parsing a multiformats value (varint, multihash, multibase, CID, multiaddr).
///
/// The description names the offending part so that a user who typed a bad multiaddr or peer ID
/// can see what to fix.
public struct MultiformatsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A human-readable explanation naming the bad part of the input.
    public let description: String

    /// Creates an error with the given explanation.
    public init(_ description: String) {
        self.description = description
    }
}
