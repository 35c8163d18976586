import CacheCore
import Crypto
import Foundation
import Testing

@testable import Replication

/// Validators in the envelope (docs/PROTOCOL.md §4) and the fleet-wide fingerprint key (§1).
@Suite struct ValidatorEnvelopeTests {
    let now = Fixtures.now

    static func fingerprint(_ index: Int) -> String { String(format: "%032lx", index) }

    static func withValidators(_ count: Int) -> ReplicatedEntry {
        var entry = Fixtures.entry()
        entry.validators = (0..<count).map {
            TokenValidator(
                tokenFingerprint: fingerprint($0), etag: $0 % 3 == 2 ? nil : #"W/"\#($0)""#,
                lastModified: $0 % 3 == 0 ? nil : "Mon, 06 Jan 2025 12:00:\(10 + $0) GMT")
        }
        return entry
    }

    @Test func fingerprintKeyIsDerivedFromTheFleetKeyLikePython() {
        let key = FleetKey(secret: "test-token")
        // hmac.new(pbkdf2(...), b"ghcache-token-fingerprint-v1", sha256).hexdigest()
        #expect(
            key.tokenFingerprintKey.map { String(format: "%02x", $0) }.joined()
                == "045bf285c42100c75231c33e4a80211ad7424da5820a73637040947ea073a83e")
        #expect(key.tokenFingerprintKey != FleetKey(secret: "other").tokenFingerprintKey)
        #expect(!key.topic.contains(key.tokenFingerprintKey.prefix(4).map { String(format: "%02x", $0) }.joined()))
        let fingerprinter = TokenFingerprinter(key: SymmetricKey(data: key.tokenFingerprintKey))
        #expect(fingerprinter.fingerprint("ghp_example") == "abc25fd36cf110078f1548c1a5b12f60")
    }

    @Test(arguments: [0, 1, 3, TokenValidator.maxPerEntry])
    func validatorsRoundTrip(count: Int) throws {
        let entry = Self.withValidators(count)
        let decoded = try Envelope.decode(try Envelope.encode(entry), now: now).entry
        #expect(decoded == entry)
        #expect(decoded.validators.count == count)
    }

    @Test func writersSendAtMostEightNewestFirst() throws {
        let entry = Self.withValidators(TokenValidator.maxPerEntry + 3)
        let decoded = try Envelope.decode(try Envelope.encode(entry), now: now).entry
        #expect(decoded.validators == Array(entry.validators.prefix(TokenValidator.maxPerEntry)))
    }

    @Test func metadataCarriesValidatorsWithEveryKeyPresent() throws {
        var entry = Fixtures.entry()
        entry.validators = [TokenValidator(tokenFingerprint: Self.fingerprint(1), etag: #"W/"e""#, lastModified: nil)]
        let bytes = try Envelope.encode(entry)
        let inner = try Zlib.decompress(Array(bytes.dropFirst()), limit: Envelope.maxDecompressedBytes)
        let count = inner[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let json = String(decoding: inner[4..<(4 + count)], as: UTF8.self)
        #expect(
            json.contains(
                #""validators":[{"etag":"W/\"e\"","last_modified":null,"token_fp":"00000000000000000000000000000001"}]"#
            ),
            "\(json)")
    }

    /// Messages of writers that predate validators (no `validators` key) still decode, with none; a `null` too.
    @Test func oldFormatMessagesDecode() throws {
        let entry = Fixtures.entry()
        var metadata = Fixtures.metadata(entry)
        #expect(metadata["validators"] == nil)
        let decoded = try Envelope.decode(try Fixtures.envelope(metadata: metadata, body: entry.body), now: now).entry
        #expect(decoded == entry && decoded.validators.isEmpty)
        metadata["validators"] = NSNull()
        #expect(
            try Envelope.decode(try Fixtures.envelope(metadata: metadata, body: entry.body), now: now).entry == entry)
    }

    /// Old peers decode the metadata with a `Decodable` that has no `validators`: unknown keys are ignored, so new
    /// messages do not break them (no envelope or topic version bump).
    @Test func unknownKeysInsideValidatorsAreIgnored() throws {
        let entry = Fixtures.entry()
        var metadata = Fixtures.metadata(entry)
        metadata["validators"] = [
            ["token_fp": Self.fingerprint(9), "etag": #"W/"x""#, "future": 1] as [String: Any]
        ]
        let decoded = try Envelope.decode(try Fixtures.envelope(metadata: metadata, body: entry.body), now: now).entry
        #expect(
            decoded.validators == [
                TokenValidator(tokenFingerprint: Self.fingerprint(9), etag: #"W/"x""#, lastModified: nil)
            ])
    }

    @Test func malformedValidatorsAreRejectedAsMalformed() throws {
        let entry = Fixtures.entry()
        func reason(_ validators: Any) throws -> RejectReason? {
            var metadata = Fixtures.metadata(entry)
            metadata["validators"] = validators
            let bytes = try Fixtures.envelope(metadata: metadata, body: entry.body)
            do {
                _ = try Envelope.decode(bytes, now: now).entry
                return nil
            } catch {
                return error.reason
            }
        }
        let good: [String: Any] = ["token_fp": Self.fingerprint(1), "etag": #"W/"a""#]
        func with(_ change: (inout [String: Any]) -> Void) -> [[String: Any]] {
            var validator = good
            change(&validator)
            return [validator]
        }
        #expect(try reason([good]) == nil)
        #expect(try reason("not an array") == .malformed)
        #expect(try reason([1, 2]) == .malformed)
        #expect(try reason(with { $0["token_fp"] = nil }) == .malformed)
        #expect(try reason(with { $0["token_fp"] = 5 }) == .malformed)
        #expect(try reason(with { $0["token_fp"] = TokenFingerprinter.anonymous }) == .malformed)
        #expect(try reason(with { $0["token_fp"] = String(repeating: "A", count: 32) }) == .malformed)
        #expect(try reason(with { $0["token_fp"] = String(repeating: "a", count: 31) }) == .malformed)
        #expect(try reason(with { $0["token_fp"] = String(repeating: "a", count: 64_000) }) == .malformed)
        #expect(try reason(with { $0["etag"] = nil }) == .malformed)  // neither etag nor last_modified
        #expect(try reason(with { $0["etag"] = 7 }) == .malformed)
        #expect(try reason(with { $0["etag"] = "W/\"a\"\r\nSet-Cookie: x" }) == .malformed)
        #expect(try reason(with { $0["etag"] = "W/\"ü\"" }) == .malformed)
        #expect(
            try reason(with { $0["etag"] = String(repeating: "e", count: TokenValidator.maxValueBytes + 1) })
                == .malformed)
        #expect(try reason(with { $0["last_modified"] = "Mon,\n06 Jan" }) == .malformed)
        #expect(try reason([good, good]) == .malformed)  // a fingerprint twice
        let nine = (0..<9).map { ["token_fp": Self.fingerprint($0), "etag": "e"] }
        #expect(try reason(nine) == .malformed)
        #expect(try reason(Array(nine.prefix(8))) == nil)
    }

    @Test func fleetCodecCarriesValidatorsThroughFernet() throws {
        let codec = FleetCodec(key: Fixtures.key)
        let entry = Self.withValidators(2)
        let opened = try codec.open(try codec.seal(entry, now: now), now: now).entry
        #expect(opened.validators == entry.validators)
    }
}
