import Foundation

/// URL-safe base64 (RFC 4648 §5) with `=` padding, as Python's `base64.urlsafe_b64encode` writes it.
///
/// Fernet keys and tokens use this alphabet. Decoding is strict: only the URL-safe alphabet, padding only at
/// the end, and a length that is a multiple of four (Python's decoder rejects the rest too).
enum Base64URL {
    /// Encodes bytes as padded URL-safe base64.
    static func encode(_ bytes: some DataProtocol) -> String {
        let standard = Data(bytes).base64EncodedString()
        return String(
            standard.map { character -> Character in
                switch character {
                case "+": "-"
                case "/": "_"
                default: character
                }
            })
    }

    /// Decodes padded URL-safe base64; `nil` when the text is not exactly that.
    static func decode(_ text: some StringProtocol) -> Data? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 == 0 else { return nil }
        var standard = [UInt8]()
        standard.reserveCapacity(utf8.count)
        var padding = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                standard.append(byte)
                continue
            }
            guard padding == 0 else { return nil }  // data after padding
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                standard.append(byte)
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        guard padding <= 2 else { return nil }
        return Data(base64Encoded: Data(standard))
    }
}
