/// A GraphQL lexical token (GraphQL spec, October 2021, §2.1 "Source Text"). Ignored tokens (white space, line
/// terminators, commas, comments, the byte order mark) are dropped by ``GraphQLLexer``.
public enum GraphQLToken: Sendable, Equatable {
    /// `! $ & ( ) ... : = @ [ ] { | }`
    case punctuator(String)
    /// `/[_A-Za-z][_0-9A-Za-z]*/`
    case name(String)
    /// An `IntValue`, as written.
    case int(String)
    /// A `FloatValue`, as written.
    case float(String)
    /// A `StringValue` (quoted or block string): its value, escapes resolved and block indentation removed.
    case string(String)

    /// The token in canonical form: names, punctuators and numbers as written; strings as a quoted string with
    /// only the escapes it needs (a block string and the equivalent quoted string give the same text).
    public var canonical: String {
        switch self {
        case .punctuator(let text), .name(let text), .int(let text), .float(let text): text
        // GraphQL's quoted-string escapes are JSON's: one writer for both.
        case .string(let value): CanonicalJSON.string(value).canonical
        }
    }

    /// Whether two such tokens in a row need a space between them to stay two tokens.
    var isWordLike: Bool {
        switch self {
        case .name, .int, .float: true
        case .punctuator, .string: false
        }
    }
}

/// Why a GraphQL document was refused, and where (an offset in Unicode scalars).
public struct GraphQLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// Where, in Unicode scalars from the start of the document.
    public let offset: Int

    /// Creates an error.
    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at character \(offset)" }
}

/// The GraphQL lexer (spec §2.1): source text to tokens. Strict: anything the spec does not allow is an error,
/// so that a document is cached only when it is certainly understood.
public struct GraphQLLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    /// The tokens of `source` (ignored tokens dropped), with each token's starting offset.
    public static func tokens(_ source: String) throws(GraphQLSyntaxError) -> [(token: GraphQLToken, offset: Int)] {
        var lexer = GraphQLLexer(scalars: Array(source.unicodeScalars))
        var tokens: [(GraphQLToken, Int)] = []
        while let next = try lexer.next() { tokens.append(next) }
        return tokens
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private static func isNameStart(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar == "_" || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar)
    }

    /// A `SourceCharacter` (spec §2.1.1): tab, line feed, carriage return, and U+0020 and above.
    private static func isSourceCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.value >= 0x20
    }

    private mutating func next() throws(GraphQLSyntaxError) -> (GraphQLToken, Int)? {
        skipIgnored()
        guard let scalar = peek() else { return nil }
        let start = index
        guard Self.isSourceCharacter(scalar) else {
            throw GraphQLSyntaxError("control character U+\(String(scalar.value, radix: 16))", at: index)
        }
        switch scalar {
        case "!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}":
            index += 1
            return (.punctuator(String(scalar)), start)
        case ".":
            guard peek(1) == ".", peek(2) == "." else { throw GraphQLSyntaxError("a lone \".\"", at: index) }
            index += 3
            return (.punctuator("..."), start)
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { return (.string(try blockString()), start) }
            return (.string(try quotedString()), start)
        case "-", "0"..."9":
            return (try number(), start)
        case _ where Self.isNameStart(scalar):
            var name = ""
            while let next = peek(), Self.isNameStart(next) || Self.isDigit(next) {
                name.unicodeScalars.append(next)
                index += 1
            }
            return (.name(name), start)
        default:
            throw GraphQLSyntaxError("unexpected character \"\(scalar)\"", at: index)
        }
    }

    /// Skips white space, line terminators, commas, comments and the byte order mark (spec §2.1.2–2.1.6).
    private mutating func skipIgnored() {
        while let scalar = peek() {
            switch scalar {
            case "\u{FEFF}", " ", "\t", "\n", "\r", ",": index += 1
            case "#":
                while let next = peek(), next != "\n", next != "\r" { index += 1 }
            default: return
            }
        }
    }

    /// `IntValue` or `FloatValue` (spec §2.9.1, §2.9.2); neither may be followed by `.`, a digit or a name start.
    private mutating func number() throws(GraphQLSyntaxError) -> GraphQLToken {
        let start = index
        var text = ""
        func take(_ lexer: inout GraphQLLexer) {
            text.unicodeScalars.append(lexer.scalars[lexer.index])
            lexer.index += 1
        }
        if peek() == "-" { take(&self) }
        guard Self.isDigit(peek()) else { throw GraphQLSyntaxError("\"-\" not followed by a digit", at: start) }
        if peek() == "0" {
            take(&self)
            if Self.isDigit(peek()) { throw GraphQLSyntaxError("a number with a leading zero", at: start) }
        } else {
            while Self.isDigit(peek()) { take(&self) }
        }
        var isFloat = false
        if peek() == "." {
            isFloat = true
            take(&self)
            guard Self.isDigit(peek()) else { throw GraphQLSyntaxError("a number ends with \".\"", at: start) }
            while Self.isDigit(peek()) { take(&self) }
        }
        if peek() == "e" || peek() == "E" {
            isFloat = true
            take(&self)
            if peek() == "+" || peek() == "-" { take(&self) }
            guard Self.isDigit(peek()) else { throw GraphQLSyntaxError("an exponent without digits", at: start) }
            while Self.isDigit(peek()) { take(&self) }
        }
        if peek() == "." || Self.isDigit(peek()) || Self.isNameStart(peek()) {
            throw GraphQLSyntaxError("a number runs into \"\(peek()!)\"", at: index)
        }
        return isFloat ? .float(text) : .int(text)
    }

    /// A quoted `StringValue` (spec §2.9.4): no line terminators; escapes `\" \\ \/ \b \f \n \r \t \uXXXX` and
    /// `\u{…}`; surrogate pairs combined; a lone surrogate is an error.
    private mutating func quotedString() throws(GraphQLSyntaxError) -> String {
        let start = index
        index += 1
        var value = ""
        while true {
            guard let scalar = peek() else { throw GraphQLSyntaxError("an unterminated string", at: start) }
            switch scalar {
            case "\"":
                index += 1
                return value
            case "\n", "\r": throw GraphQLSyntaxError("a line break inside a string", at: index)
            case "\\":
                index += 1
                guard let escaped = peek() else { throw GraphQLSyntaxError("an unterminated string", at: start) }
                index += 1
                switch escaped {
                case "\"": value += "\""
                case "\\": value += "\\"
                case "/": value += "/"
                case "b": value += "\u{8}"
                case "f": value += "\u{C}"
                case "n": value += "\n"
                case "r": value += "\r"
                case "t": value += "\t"
                case "u": value.unicodeScalars.append(try unicodeEscape())
                default: throw GraphQLSyntaxError("an unknown escape \"\\\(escaped)\"", at: index - 2)
                }
            default:
                guard Self.isSourceCharacter(scalar) else {
                    throw GraphQLSyntaxError("a control character inside a string", at: index)
                }
                value.unicodeScalars.append(scalar)
                index += 1
            }
        }
    }

    /// After `\u`: `XXXX` (a surrogate pair as two escapes) or `{X…}`.
    private mutating func unicodeEscape() throws(GraphQLSyntaxError) -> Unicode.Scalar {
        let start = index - 2
        func hexDigits(_ lexer: inout GraphQLLexer, count: Int) -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let scalar = lexer.peek(), let digit = Self.hexValue(scalar) else { return nil }
                value = value * 16 + digit
                lexer.index += 1
            }
            return value
        }
        var code: UInt32
        if peek() == "{" {
            index += 1
            code = 0
            var digits = 0
            while let scalar = peek(), let digit = Self.hexValue(scalar) {
                code = code &* 16 &+ digit
                digits += 1
                index += 1
                guard digits <= 8, code <= 0x10FFFF else { throw GraphQLSyntaxError("a bad \\u{…} escape", at: start) }
            }
            guard digits > 0, peek() == "}" else { throw GraphQLSyntaxError("a bad \\u{…} escape", at: start) }
            index += 1
        } else {
            guard let value = hexDigits(&self, count: 4) else {
                throw GraphQLSyntaxError("a bad \\u escape", at: start)
            }
            code = value
        }
        if (0xD800...0xDBFF).contains(code), peek() == "\\", peek(1) == "u" {
            let saved = index
            index += 2
            if let low = hexDigits(&self, count: 4), (0xDC00...0xDFFF).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = saved
            }
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw GraphQLSyntaxError("an escape of a lone surrogate or beyond U+10FFFF", at: start)
        }
        return scalar
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    /// A block string (spec §2.9.4 `BlockString`): raw up to the closing `"""`, `\"""` an escaped quote triple;
    /// its value is `BlockStringValue` of the raw text.
    private mutating func blockString() throws(GraphQLSyntaxError) -> String {
        let start = index
        index += 3
        var raw: [Unicode.Scalar] = []
        while true {
            guard let scalar = peek() else { throw GraphQLSyntaxError("an unterminated block string", at: start) }
            if scalar == "\"", peek(1) == "\"", peek(2) == "\"" {
                index += 3
                return Self.blockStringValue(raw)
            }
            if scalar == "\\", peek(1) == "\"", peek(2) == "\"", peek(3) == "\"" {
                raw += ["\"", "\"", "\""]
                index += 4
                continue
            }
            guard Self.isSourceCharacter(scalar) else {
                throw GraphQLSyntaxError("a control character inside a block string", at: index)
            }
            raw.append(scalar)
            index += 1
        }
    }

    /// `BlockStringValue(rawValue)` (spec §2.9.4): split into lines (`\r\n`, `\n`, `\r`), remove the common
    /// indentation of every line but the first, drop leading and trailing blank lines, join with `\n`.
    static func blockStringValue(_ raw: [Unicode.Scalar]) -> String {
        var lines: [[Unicode.Scalar]] = [[]]
        var position = 0
        while position < raw.count {
            let scalar = raw[position]
            if scalar == "\r" {
                lines.append([])
                if position + 1 < raw.count, raw[position + 1] == "\n" { position += 1 }
            } else if scalar == "\n" {
                lines.append([])
            } else {
                lines[lines.count - 1].append(scalar)
            }
            position += 1
        }
        func indent(_ line: [Unicode.Scalar]) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        var common: Int?
        for line in lines.dropFirst() where indent(line) < line.count {
            common = min(common ?? Int.max, indent(line))
        }
        if let common {
            for number in lines.indices.dropFirst() { lines[number] = Array(lines[number].dropFirst(common)) }
        }
        let isBlank = { (line: [Unicode.Scalar]) in line.allSatisfy { $0 == " " || $0 == "\t" } }
        while let first = lines.first, isBlank(first) { lines.removeFirst() }
        while let last = lines.last, isBlank(last) { lines.removeLast() }
        var value = ""
        for (number, line) in lines.enumerated() {
            if number > 0 { value += "\n" }
            value.unicodeScalars.append(contentsOf: line)
        }
        return value
    }
}
