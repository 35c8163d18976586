/// multistream-select 1.0 (`connections/README.md` §multistream-select): agreeing on the
/// protocol that runs on a byte stream (raw TCP, the secured channel, every yamux stream).
///
/// Each message is `uvarint(len(msg) + 1) ‖ msg ‖ '\n'`. Both sides send the header
/// `/multistream/1.0.0`; the dialer proposes protocols one at a time, the listener echoes the one
/// it accepts or answers `na`.
enum Multistream {
    /// The multistream-select 1.0 header / protocol id.
    static let header = "/multistream/1.0.0"
    /// The listener's refusal of a proposal.
    static let notAvailable = "na"
    /// The largest message (including its newline) we accept; protocol ids are short.
    static let maxMessageSize = 1024
    /// How many proposals a listener answers before giving up on a dialer.
    static let maxProposals = 32

    /// Encodes one multistream message.
    static func encode(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        Varint.encode(UInt64(message.utf8.count + 1), into: &out)
        out.append(contentsOf: message.utf8)
        out.append(0x0a)
        return out
    }

    /// Reads one message strictly: a varint of at most 10 bytes, a bounded length, a trailing
    /// newline and valid UTF-8.
    static func readMessage<S: ByteChunkSource>(_ reader: inout ByteReader<S>) async throws -> String {
        let length = try await reader.readUVarint(maxBytes: 10)
        guard length >= 1, length <= UInt64(maxMessageSize) else {
            throw MultistreamError.malformed("message length \(length) outside 1...\(maxMessageSize)")
        }
        let body = try await reader.readExactly(Int(length))
        guard body.last == 0x0a else { throw MultistreamError.malformed("message does not end with a newline") }
        guard let text = String(validating: body.dropLast(), as: UTF8.self) else {
            throw MultistreamError.malformed("message is not UTF-8")
        }
        return text
    }

    /// Negotiates as the dialer: proposes `protocols` in order (the header and first proposal
    /// pipelined), moving to the next one after each `na`.
    /// - Returns: the protocol the listener accepted.
    /// - Throws: `MultistreamError.unsupported` when every proposal was refused.
    static func dial<S: ByteChunkSource>(
        _ reader: inout ByteReader<S>,
        write: ([UInt8]) async throws -> Void,
        protocols: [String]
    ) async throws -> String {
        guard let first = protocols.first else { throw MultistreamError.unsupported([]) }
        try await write(encode(header) + encode(first))
        let remoteHeader = try await readMessage(&reader)
        guard remoteHeader == header else { throw MultistreamError.wrongHeader(remoteHeader) }
        for (index, proposal) in protocols.enumerated() {
            if index > 0 { try await write(encode(proposal)) }
            let answer = try await readMessage(&reader)
            if answer == proposal { return proposal }
            guard answer == notAvailable else { throw MultistreamError.unexpectedAnswer(proposal, answer) }
        }
        throw MultistreamError.unsupported(protocols)
    }

    /// Negotiates as the listener: sends the header at once, then answers proposals until one is
    /// supported.
    /// - Returns: the accepted protocol.
    static func listen<S: ByteChunkSource>(
        _ reader: inout ByteReader<S>,
        write: ([UInt8]) async throws -> Void,
        supports: (String) -> Bool
    ) async throws -> String {
        try await write(encode(header))
        let remoteHeader = try await readMessage(&reader)
        guard remoteHeader == header else { throw MultistreamError.wrongHeader(remoteHeader) }
        for _ in 0..<maxProposals {
            let proposal = try await readMessage(&reader)
            if proposal != notAvailable, proposal != "ls", supports(proposal) {
                try await write(encode(proposal))
                return proposal
            }
            try await write(encode(notAvailable))
        }
        throw MultistreamError.malformed("more than \(maxProposals) proposals")
    }
}

/// A failed multistream-select negotiation.
public enum MultistreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer's bytes were not a valid multistream message.
    case malformed(String)
    /// The peer does not speak multistream-select 1.0.
    case wrongHeader(String)
    /// The peer refused every proposed protocol.
    case unsupported([String])
    /// The peer answered a proposal with something other than an echo or `na`.
    case unexpectedAnswer(String, String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed multistream-select message: \(why)"
        case .wrongHeader(let got): "peer does not speak \(Multistream.header) (sent \(got.debugDescription))"
        case .unsupported(let protocols): "peer supports none of \(protocols.joined(separator: ", "))"
        case .unexpectedAnswer(let proposal, let answer):
            "peer answered \(answer.debugDescription) to the proposal \(proposal.debugDescription)"
        }
    }
}
