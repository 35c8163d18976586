/// A DNS message (RFC 1035 §4) as mDNS uses it (RFC 6762): header, questions and resource records, with the record
/// types libp2p's mDNS discovery needs (PTR, TXT, SRV, A, AAAA); others are kept as opaque bytes.
///
/// ``decode(_:)`` is strict and bounds-checked, because any host on the LAN can send anything to 5353: every length
/// is checked against the packet, compression pointers must point backwards (so they cannot loop), names are at most
/// 255 bytes and 127 labels, and counts are capped. Hostile input throws ``DNSMessageError``; it never traps.
/// ``encode()`` writes names without compression.
struct DNSMessage: Equatable, Sendable {
    /// The transaction ID (0 in multicast mDNS).
    var id: UInt16 = 0
    /// The header flags: bit 15 QR (response), bit 10 AA (authoritative answer).
    var flags: UInt16 = 0
    var questions: [DNSQuestion] = []
    var answers: [DNSRecord] = []
    var authorities: [DNSRecord] = []
    var additionals: [DNSRecord] = []

    /// Whether the message is a response (QR set).
    var isResponse: Bool { flags & 0x8000 != 0 }

    /// The largest message decoded (an mDNS packet is at most 9000 bytes, RFC 6762 §17).
    static let maxSize = 9000
    /// The most questions or records of one section.
    static let maxPerSection = 256

    /// A response with the AA bit.
    static func response(id: UInt16 = 0, answers: [DNSRecord], additionals: [DNSRecord] = []) -> DNSMessage {
        DNSMessage(id: id, flags: 0x8400, questions: [], answers: answers, authorities: [], additionals: additionals)
    }

    /// A query.
    static func query(_ questions: [DNSQuestion]) -> DNSMessage {
        DNSMessage(id: 0, flags: 0, questions: questions)
    }

    /// Decodes a message.
    static func decode(_ bytes: [UInt8]) throws(DNSMessageError) -> DNSMessage {
        guard bytes.count <= maxSize else { throw DNSMessageError("message of \(bytes.count) bytes is too large") }
        var reader = DNSReader(bytes: bytes)
        var message = DNSMessage()
        message.id = try reader.u16()
        message.flags = try reader.u16()
        let counts = [try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16()].map(Int.init)
        guard counts.allSatisfy({ $0 <= maxPerSection }) else { throw DNSMessageError("too many entries") }
        for _ in 0..<counts[0] {
            let name = try reader.name()
            let type = try reader.u16()
            let classField = try reader.u16()
            message.questions.append(
                DNSQuestion(name: name, type: type, unicastResponse: classField & 0x8000 != 0))
        }
        message.answers = try (0..<counts[1]).map { _ throws(DNSMessageError) in try reader.record() }
        message.authorities = try (0..<counts[2]).map { _ throws(DNSMessageError) in try reader.record() }
        message.additionals = try (0..<counts[3]).map { _ throws(DNSMessageError) in try reader.record() }
        return message
    }

    /// The wire form.
    func encode() -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ value: UInt16) { out += [UInt8(value >> 8), UInt8(value & 0xff)] }
        u16(id)
        u16(flags)
        for count in [questions.count, answers.count, authorities.count, additionals.count] { u16(UInt16(count)) }
        for question in questions {
            question.name.encode(into: &out)
            u16(question.type)
            u16(question.unicastResponse ? 0x8001 : 0x0001)
        }
        for record in answers + authorities + additionals { record.encode(into: &out) }
        return out
    }
}

/// A domain name: its labels, compared without regard to ASCII case.
struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, e.g. `["_p2p", "_udp", "local"]`.
    let labels: [[UInt8]]

    /// The name of dot-separated `text` (`_p2p._udp.local`; a trailing dot is ignored).
    init(_ text: String) {
        labels = text.split(separator: ".").map { Array($0.utf8) }
    }

    init(labels: [[UInt8]]) {
        self.labels = labels
    }

    /// `label.self`.
    func prepending(_ label: String) -> DNSName { DNSName(labels: [Array(label.utf8)] + labels) }

    /// Whether `self` ends with `suffix` (or is it).
    func hasSuffix(_ suffix: DNSName) -> Bool {
        labels.count >= suffix.labels.count && DNSName(labels: Array(labels.suffix(suffix.labels.count))) == suffix
    }

    var description: String { labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".") }

    static func == (lhs: DNSName, rhs: DNSName) -> Bool { lhs.folded == rhs.folded }
    func hash(into hasher: inout Hasher) { hasher.combine(folded) }

    private var folded: [[UInt8]] { labels.map { $0.map { (0x41...0x5a).contains($0) ? $0 | 0x20 : $0 } } }

    func encode(into out: inout [UInt8]) {
        for label in labels {
            out.append(UInt8(label.count))
            out += label
        }
        out.append(0)
    }
}

/// A question.
struct DNSQuestion: Equatable, Sendable {
    var name: DNSName
    var type: UInt16
    /// The QU bit (RFC 6762 §5.4): the asker prefers a unicast answer.
    var unicastResponse = false
}

/// A resource record.
struct DNSRecord: Equatable, Sendable {
    var name: DNSName
    /// The cache-flush bit (RFC 6762 §10.2): this record replaces the cached ones of its name and type.
    var cacheFlush = false
    var ttl: UInt32
    var data: DNSRecordData

    func encode(into out: inout [UInt8]) {
        name.encode(into: &out)
        var rdata: [UInt8] = []
        switch data {
        case .ptr(let target): target.encode(into: &rdata)
        case .txt(let strings):
            for string in strings {
                rdata.append(UInt8(min(string.count, 255)))
                rdata += string.prefix(255)
            }
            if strings.isEmpty { rdata.append(0) }  // RFC 6763 §6.1: an empty TXT record holds one empty string
        case .srv(let priority, let weight, let port, let target):
            for value in [priority, weight, port] { rdata += [UInt8(value >> 8), UInt8(value & 0xff)] }
            target.encode(into: &rdata)
        case .a(let address), .aaaa(let address): rdata = address
        case .other(_, let bytes): rdata = bytes
        }
        let type = data.type
        out += [UInt8(type >> 8), UInt8(type & 0xff)]
        let classField: UInt16 = cacheFlush ? 0x8001 : 0x0001
        out += [UInt8(classField >> 8), UInt8(classField & 0xff)]
        out += [UInt8(ttl >> 24), UInt8(ttl >> 16 & 0xff), UInt8(ttl >> 8 & 0xff), UInt8(ttl & 0xff)]
        out += [UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)]
        out += rdata
    }
}

/// Record data by type.
enum DNSRecordData: Equatable, Sendable {
    case ptr(DNSName)
    /// The character-strings of a TXT record (each at most 255 bytes).
    case txt([[UInt8]])
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// An IPv4 address (4 bytes).
    case a([UInt8])
    /// An IPv6 address (16 bytes).
    case aaaa([UInt8])
    case other(type: UInt16, bytes: [UInt8])

    static let typeA: UInt16 = 1
    static let typePTR: UInt16 = 12
    static let typeTXT: UInt16 = 16
    static let typeAAAA: UInt16 = 28
    static let typeSRV: UInt16 = 33
    static let typeANY: UInt16 = 255

    var type: UInt16 {
        switch self {
        case .ptr: Self.typePTR
        case .txt: Self.typeTXT
        case .srv: Self.typeSRV
        case .a: Self.typeA
        case .aaaa: Self.typeAAAA
        case .other(let type, _): type
        }
    }
}

/// A DNS message that could not be decoded.
struct DNSMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A bounds-checked reader over one message (names may point anywhere earlier in it).
private struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() throws(DNSMessageError) -> UInt8 {
        guard offset < bytes.count else { throw DNSMessageError("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSMessageError) -> UInt16 {
        UInt16(try u8()) << 8 | UInt16(try u8())
    }

    mutating func u32() throws(DNSMessageError) -> UInt32 {
        UInt32(try u16()) << 16 | UInt32(try u16())
    }

    mutating func take(_ count: Int) throws(DNSMessageError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw DNSMessageError("truncated at byte \(offset)") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A name at the current offset; compression pointers must point before the pointer itself.
    mutating func name() throws(DNSMessageError) -> DNSName {
        var labels: [[UInt8]] = []
        var length = 1
        var position = offset
        var resume: Int?  // where reading continues after the first pointer
        var jumps = 0
        while true {
            guard position < bytes.count else { throw DNSMessageError("truncated name at byte \(position)") }
            let byte = bytes[position]
            switch byte & 0xc0 {
            case 0x00:
                if byte == 0 {
                    offset = resume ?? position + 1
                    return DNSName(labels: labels)
                }
                let count = Int(byte)
                guard position + 1 + count <= bytes.count else { throw DNSMessageError("truncated label") }
                length += count + 1
                guard length <= 255, labels.count < 127 else { throw DNSMessageError("name longer than 255 bytes") }
                labels.append(Array(bytes[position + 1..<position + 1 + count]))
                position += 1 + count
            case 0xc0:
                guard position + 1 < bytes.count else { throw DNSMessageError("truncated pointer") }
                let target = Int(byte & 0x3f) << 8 | Int(bytes[position + 1])
                guard target < position, jumps < 127 else { throw DNSMessageError("compression pointer loops") }
                if resume == nil { resume = position + 2 }
                jumps += 1
                position = target
            default:
                throw DNSMessageError("unsupported label type 0x\(String(byte, radix: 16))")
            }
        }
    }

    mutating func record() throws(DNSMessageError) -> DNSRecord {
        let name = try name()
        let type = try u16()
        let classField = try u16()
        let ttl = try u32()
        let length = Int(try u16())
        guard length <= bytes.count - offset else { throw DNSMessageError("record data runs past the message") }
        let end = offset + length
        let data: DNSRecordData
        switch type {
        case DNSRecordData.typePTR:
            data = .ptr(try self.name())
        case DNSRecordData.typeSRV:
            let priority = try u16()
            let weight = try u16()
            let port = try u16()
            data = .srv(priority: priority, weight: weight, port: port, target: try self.name())
        case DNSRecordData.typeTXT:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(try u8())
                guard offset + count <= end else { throw DNSMessageError("TXT string runs past its record") }
                strings.append(try take(count))
            }
            data = .txt(strings)
        case DNSRecordData.typeA where length == 4:
            data = .a(try take(4))
        case DNSRecordData.typeAAAA where length == 16:
            data = .aaaa(try take(16))
        case DNSRecordData.typeA, DNSRecordData.typeAAAA:
            throw DNSMessageError("address record of \(length) bytes")
        default:
            data = .other(type: type, bytes: try take(length))
        }
        guard offset == end else { throw DNSMessageError("record data length \(length) does not match its content") }
        return DNSRecord(name: name, cacheFlush: classField & 0x8000 != 0, ttl: ttl, data: data)
    }
}
