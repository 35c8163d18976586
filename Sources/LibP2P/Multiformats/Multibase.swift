/// Multibase text encodings: a one-character prefix naming the base, then the encoded bytes.
///
/// Supported: `b` (RFC 4648 base32, lower case, no padding) and `z` (base58btc, Bitcoin alphabet).
public enum Multibase: Character, Sendable, CaseIterable {
    /// RFC 4648 base32, lower case, no padding (prefix `b`).
    case base32 = "b"
    /// base58 with the Bitcoin alphabet (prefix `z`).
    case base58btc = "z"

    /// Encodes `bytes` with the multibase prefix.
    public func encode(_ bytes: [UInt8]) -> String {
        String(rawValue) + encodeWithoutPrefix(bytes)
    }

    /// Encodes `bytes` without the prefix character.
    public func encodeWithoutPrefix(_ bytes: [UInt8]) -> String {
        switch self {
        case .base32: Base32.encode(bytes)
        case .base58btc: Base58.encode(bytes)
        }
    }

    /// Decodes text without the prefix character.
    public func decodeWithoutPrefix(_ text: Substring) throws(MultiformatsError) -> [UInt8] {
        switch self {
        case .base32: try Base32.decode(text)
        case .base58btc: try Base58.decode(text)
        }
    }

    /// Decodes a multibase string, returning the base it used and the bytes.
    public static func decode(_ text: String) throws(MultiformatsError) -> (base: Multibase, bytes: [UInt8]) {
        guard let first = text.first else { throw MultiformatsError("empty multibase string") }
        guard let base = Multibase(rawValue: first) else {
            throw MultiformatsError("unsupported multibase prefix '\(first)' (supported: 'b' base32, 'z' base58btc)")
        }
        return (base, try base.decodeWithoutPrefix(text.dropFirst()))
    }
}

/// RFC 4648 base32, lower-case alphabet, no padding (decoding also accepts upper case).
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1f)])
            }
        }
        if bits > 0 {
            out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring) throws(MultiformatsError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for char in text.utf8 {
            let value: UInt8
            switch char {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = char - UInt8(ascii: "a")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = char - UInt8(ascii: "A")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = char - UInt8(ascii: "2") + 26
            default:
                throw MultiformatsError("invalid base32 character '\(Character(Unicode.Scalar(char)))'")
            }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be padding zeros and fewer than 5 (a whole extra symbol is invalid).
        if bits >= 5 || buffer & ((1 << UInt32(bits)) - 1) != 0 {
            throw MultiformatsError("invalid base32 length or trailing bits")
        }
        return out
    }
}

/// base58 with the Bitcoin alphabet; leading zero bytes map to leading `1`s.
enum Base58 {
    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = Int8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        // Base-58 digits, least significant first.
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count * 138 / 100 + 1)
        for byte in bytes[zeros...] {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out += digits.reversed().map { alphabet[Int($0)] }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring) throws(MultiformatsError) -> [UInt8] {
        let chars = Array(text.utf8)
        let ones = chars.prefix { $0 == alphabet[0] }.count
        // Base-256 bytes, least significant first.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count * 733 / 1000 + 1)
        for char in chars[ones...] {
            guard char < 128, reverse[Int(char)] >= 0 else {
                throw MultiformatsError("invalid base58 character '\(Character(Unicode.Scalar(char)))'")
            }
            var carry = Int(reverse[Int(char)])
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: ones) + bytes.reversed()
    }
}
