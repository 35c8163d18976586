/// A minimal JSON scanner that finds the byte ranges of top-level array elements and object
/// members without decoding them, so merged pages keep GitHub's exact bytes.
struct JSONScanner {
    /// A structural error at a byte offset.
    struct SyntaxError: Error, Equatable {
        let offset: Int
    }

    let bytes: [UInt8]

    /// The byte ranges of the elements of the array starting at `start` (after white space).
    func arrayElements(at start: Int = 0) throws(SyntaxError) -> [Range<Int>] {
        var index = skipSpace(start)
        try expect(UInt8(ascii: "["), at: index)
        index = skipSpace(index + 1)
        var elements: [Range<Int>] = []
        if peek(index) == UInt8(ascii: "]") { return elements }
        while true {
            let end = try valueEnd(from: index)
            elements.append(index..<end)
            index = skipSpace(end)
            if peek(index) == UInt8(ascii: ",") {
                index = skipSpace(index + 1)
                continue
            }
            try expect(UInt8(ascii: "]"), at: index)
            return elements
        }
    }

    /// The members of the object starting at `start`: raw key text (without quotes) and value range.
    func objectMembers(at start: Int = 0) throws(SyntaxError) -> [(key: String, value: Range<Int>)] {
        var index = skipSpace(start)
        try expect(UInt8(ascii: "{"), at: index)
        index = skipSpace(index + 1)
        var members: [(key: String, value: Range<Int>)] = []
        if peek(index) == UInt8(ascii: "}") { return members }
        while true {
            try expect(UInt8(ascii: "\""), at: index)
            let keyEnd = try stringEnd(from: index)
            let key = String(decoding: bytes[(index + 1)..<(keyEnd - 1)], as: UTF8.self)
            index = skipSpace(keyEnd)
            try expect(UInt8(ascii: ":"), at: index)
            index = skipSpace(index + 1)
            let end = try valueEnd(from: index)
            members.append((key, index..<end))
            index = skipSpace(end)
            if peek(index) == UInt8(ascii: ",") {
                index = skipSpace(index + 1)
                continue
            }
            try expect(UInt8(ascii: "}"), at: index)
            return members
        }
    }

    /// The first non-space byte at or after `start`.
    func firstByte(from start: Int = 0) -> UInt8? { peek(skipSpace(start)) }

    /// The offset just past the value starting at `start`.
    func valueEnd(from start: Int) throws(SyntaxError) -> Int {
        guard let first = peek(start) else { throw SyntaxError(offset: start) }
        switch first {
        case UInt8(ascii: "\""):
            return try stringEnd(from: start)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = try stringEnd(from: index)
                    continue
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            throw SyntaxError(offset: index)
        default:
            var index = start
            while index < bytes.count, !Self.delimiters.contains(bytes[index]) { index += 1 }
            guard index > start else { throw SyntaxError(offset: start) }
            return index
        }
    }

    private static let delimiters: Set<UInt8> = Set(",]} \t\r\n".utf8)

    private func stringEnd(from start: Int) throws(SyntaxError) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        throw SyntaxError(offset: start)
    }

    private func skipSpace(_ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    private func peek(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func expect(_ byte: UInt8, at index: Int) throws(SyntaxError) {
        guard peek(index) == byte else { throw SyntaxError(offset: index) }
    }
}
