import CacheCore
import Foundation

extension FleetCodec {
    /// The largest decompressed JSON of a message that is not an entry (sync request, fill, control).
    static let maxMessageJSONBytes = Envelope.maxDecompressedBytes

    /// Fernet over `0x01 ‖ zlib(JSON)`: how every message that is not an entry travels (docs/PROTOCOL.md §7-§8).
    func sealMessage(json: Data, now: Date = Date()) throws(Rejection) -> [UInt8] {
        guard let compressed = try? Zlib.compress(Array(json)) else {
            throw Rejection(.malformed, "message not compressible")
        }
        let token = Array(fernet.encrypt([Envelope.version] + compressed, now: now).utf8)
        guard token.count <= Self.maxMessageBytes else {
            throw Rejection(.oversized, "message of \(token.count) bytes exceeds \(Self.maxMessageBytes)")
        }
        return token
    }

    /// Seals an `Encodable` message as JSON (see ``sealMessage(json:now:)``).
    func sealMessage(_ value: some Encodable, now: Date = Date()) throws(Rejection) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(value) else { throw Rejection(.malformed, "message not encodable") }
        return try sealMessage(json: json, now: now)
    }

    /// Checks the token, version and compression of a message and returns its JSON bytes.
    ///
    /// - Throws: a ``Rejection`` (`oversized`, `undecryptable`, `expired`, `clock_skew`, `malformed`).
    func openMessageJSON(_ payload: some Collection<UInt8>, now: Date = Date()) throws(Rejection) -> Data {
        let plaintext = try decryptMessage(payload, now: now)
        guard plaintext.first == Envelope.version else { throw Rejection(.malformed, "unknown message version") }
        do {
            return Data(try Zlib.decompress(Array(plaintext.dropFirst()), limit: Self.maxMessageJSONBytes))
        } catch .tooLarge {
            throw Rejection(.oversized, "message decompresses beyond \(Self.maxMessageJSONBytes) bytes")
        } catch {
            throw Rejection(.malformed, "message is not one valid zlib stream")
        }
    }

    /// Opens a message and decodes it as `type`.
    func openMessage<T: Decodable>(_ type: T.Type, from payload: some Collection<UInt8>, now: Date = Date())
        throws(Rejection) -> T
    {
        let json = try openMessageJSON(payload, now: now)
        guard let value = try? JSONDecoder().decode(type, from: json) else {
            throw Rejection(.malformed, "message is not a valid \(type)")
        }
        return value
    }
}
