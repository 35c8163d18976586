/// uvarint length-prefixed framing, as used by identify, gossipsub and other stream protocols.
public enum Wire {
    /// `uvarint(bytes.count) ‖ bytes`.
    public static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 5)
        Varint.encode(UInt64(bytes.count), into: &out)
        out.append(contentsOf: bytes)
        return out
    }
}
