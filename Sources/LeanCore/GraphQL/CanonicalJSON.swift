/// A JSON value (RFC 8259) that keeps numbers as written, so that a canonical form never merges two different
/// values (`12345678901234567890` and `12345678901234567891` stay apart, as no `Double` would keep them).
public indirect enum CanonicalJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, exactly as written.
    case number(String)
    case string(String)
    case array([CanonicalJSON])
    /// Members in document order; names are unique (a duplicate name is a parse error).
    case object([Member])

    /// An object member.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: CanonicalJSON

        public init(name: String, value: CanonicalJSON) {
            self.name = name
            self.value = value
        }
    }

    /// Why a text is not JSON.
    public struct SyntaxError: Error, Sendable, Equatable {
        public let message: String
        public let offset: Int
    }

    /// How deeply arrays and objects may nest.
    public static let maxDepth = 128

    /// Parses `bytes` (UTF-8) strictly: one value, white space around it only, no duplicate member names (compared
    /// by Unicode scalars), no lone surrogates.
    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> CanonicalJSON {
        var reader = Reader(bytes: Array(bytes))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.bytes.count else {
            throw SyntaxError(message: "text after the value", offset: reader.index)
        }
        return value
    }

    /// The canonical text: no white space, object members sorted by the Unicode scalars of their names, strings
    /// with only the escapes JSON requires (`"`, `\`, control characters as `\u00XX`), numbers as written.
    public var canonical: String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let number): text += number
        case .string(let value): Self.writeString(value, to: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            let sorted = members.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { text += "," }
                Self.writeString(member.name, to: &text)
                text += ":"
                member.value.write(to: &text)
            }
            text += "}"
        }
    }

    private static func writeString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// The member `name` of an object (`nil` for other values or a missing member).
    public subscript(name: String) -> CanonicalJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.name.unicodeScalars.elementsEqual(name.unicodeScalars) }?.value
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        func fail(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: index) }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String, _ value: CanonicalJSON) throws(SyntaxError) -> CanonicalJSON {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected
            else { throw fail("expected \(word)") }
            index += expected.count
            return value
        }

        mutating func value(depth: Int) throws(SyntaxError) -> CanonicalJSON {
            guard depth <= CanonicalJSON.maxDepth else { throw fail("nested too deeply") }
            guard index < bytes.count else { throw fail("expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                var items: [CanonicalJSON] = []
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unterminated array") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        skipSpace()
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected , or ]") }
                    index += 1
                    return .array(items)
                }
            case UInt8(ascii: "{"):
                index += 1
                skipSpace()
                var members: [Member] = []
                var names = Set<[UInt32]>()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                while true {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a name") }
                    let name = try string()
                    guard names.insert(name.unicodeScalars.map(\.value)).inserted else {
                        throw fail("the member \"\(name.prefix(40))\" appears twice")
                    }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected :") }
                    index += 1
                    skipSpace()
                    members.append(Member(name: name, value: try value(depth: depth + 1)))
                    skipSpace()
                    guard index < bytes.count else { throw fail("unterminated object") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        skipSpace()
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected , or }") }
                    index += 1
                    return .object(members)
                }
            default: throw fail("expected a value")
            }
        }

        mutating func number() throws(SyntaxError) -> CanonicalJSON {
            let start = index
            func digits(_ reader: inout Reader) -> Int {
                let from = reader.index
                while reader.index < reader.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(reader.bytes[reader.index])
                {
                    reader.index += 1
                }
                return reader.index - from
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw fail("a bad number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if digits(&self) == 0 {
                throw fail("a bad number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw fail("a bad number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits(&self) > 0 else { throw fail("a bad number") }
            }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard bytes.count - index >= 4 else { throw fail("a bad \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte) - 48
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte) - 87
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte) - 55
                default: throw fail("a bad \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run = index
            func flush(_ reader: Reader, upTo end: Int, into scalars: inout String.UnicodeScalarView)
                throws(SyntaxError)
            {
                guard run < end else { return }
                guard let text = String(validating: reader.bytes[run..<end], as: UTF8.self) else {
                    throw SyntaxError(message: "invalid UTF-8", offset: run)
                }
                scalars.append(contentsOf: text.unicodeScalars)
            }
            while true {
                guard index < bytes.count else { throw fail("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    try flush(self, upTo: index, into: &scalars)
                    index += 1
                    return String(scalars)
                }
                guard byte >= 0x20 else { throw fail("a control character in a string") }
                guard byte == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                try flush(self, upTo: index, into: &scalars)
                index += 1
                guard index < bytes.count else { throw fail("unterminated string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("a lone surrogate") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("a lone surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("a lone surrogate") }
                    scalars.append(scalar)
                default: throw fail("an unknown escape")
                }
                run = index
            }
        }
    }
}
