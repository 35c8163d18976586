import CacheCore
import Foundation
import LibP2P
import TestSupport
import Testing

@testable import Replication

/// Bounded fuzzing: random and mutated inputs must give a typed error (or a valid entry), never a crash.
@Suite struct FuzzTests {
    let codec = FleetCodec(key: Fixtures.key)
    let now = Fixtures.now

    @Test func openSurvivesRandomBytes() {
        var generator = SplitMix64(seed: 1)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 300)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(throws: Rejection.self) { try codec.open(bytes, now: now).entry }
            let ascii = bytes.map { UInt8(ascii: "A") + $0 % 58 }  // base64-looking noise
            #expect(throws: Rejection.self) { try codec.open(ascii, now: now).entry }
        }
    }

    @Test func openSurvivesMutatedTokens() throws {
        var fuzzer = Fuzzer(generator: SplitMix64(seed: 2))
        let message = try codec.seal(Fixtures.entry(), now: now)
        for _ in 0..<2000 {
            let mutated = fuzzer.mutate(message)
            guard mutated != message else { continue }
            #expect(throws: Rejection.self) { try codec.open(mutated, now: now).entry }
        }
    }

    /// Authentic tokens over mutated envelopes reach the envelope decoder (the HMAC no longer protects it).
    @Test func envelopeDecoderSurvivesMutations() throws {
        var fuzzer = Fuzzer(generator: SplitMix64(seed: 3))
        let entry = Fixtures.entry()
        let envelope = try Envelope.encode(entry)
        let inner = try Zlib.decompress(Array(envelope.dropFirst()), limit: Envelope.maxDecompressedBytes)
        for round in 0..<3000 {
            // Alternate between mutating the compressed bytes and re-compressing a mutated plaintext.
            let candidate =
                round % 2 == 0
                ? fuzzer.mutate(envelope) : [1] + (try Zlib.compress(fuzzer.mutate(inner)))
            do {
                let decoded = try Envelope.decode(candidate, now: now).entry
                #expect(decoded.cid == ContentID.of(decoded.body))
            } catch {
                #expect(RejectReason.allCases.contains(error.reason))
            }
        }
    }

    @Test func zlibSurvivesRandomBytes() {
        var generator = SplitMix64(seed: 4)
        for _ in 0..<2000 {
            var bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if generator.next() % 2 == 0, bytes.count >= 2 { (bytes[0], bytes[1]) = (0x78, 0x9C) }  // valid header
            _ = try? Zlib.decompress(bytes, limit: 4096)
        }
    }
}
