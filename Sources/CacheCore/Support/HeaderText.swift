/// Free text (messages, warnings) carried in an HTTP header between the local endpoint and `ghcache-get`:
/// printable ASCII stays as it is; `%`, control characters and non-ASCII bytes become `%XX`, so a value never
/// breaks the header syntax and decodes back to the exact text.
public enum HeaderText {
    /// `text` made safe for a header value.
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "%") {
                output.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    /// The text of an encoded header value (invalid escapes are kept as typed).
    public static func decode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let byte = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(byte)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
