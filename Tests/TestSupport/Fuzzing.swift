import Foundation
import LibP2P

/// Bounded fuzzing for the decoders of outside bytes: a fixed seed (a failure reproduces), at most `iterations`
/// inputs and at most `seconds` of wall time (the suite stays fast on a loaded machine). A crash is a trap of the
/// test process; anything else a decoder does with an input is for the caller to check.
public struct Fuzzer {
    /// The seeded generator of this run.
    public var generator: SplitMix64

    /// A fuzzer drawing from `generator`.
    public init(generator: SplitMix64) { self.generator = generator }

    /// Runs `body` on up to `iterations` inputs, stopping after `seconds`; returns how many ran.
    @discardableResult
    public static func run(
        seed: UInt64, iterations: Int = 5000, seconds: Double = 5, _ body: (inout Fuzzer, Int) throws -> Void
    ) rethrows -> Int {
        var fuzzer = Fuzzer(generator: SplitMix64(seed: seed))
        let deadline = Date().addingTimeInterval(seconds)
        var round = 0
        while round < iterations, Date() < deadline {
            try body(&fuzzer, round)
            round += 1
        }
        return round
    }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(bound, 1))) }

    /// Up to `maxCount` random bytes.
    public mutating func bytes(maxCount: Int) -> [UInt8] {
        (0..<below(maxCount + 1)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// One of `choices`.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// `bytes` with one random change: bits flipped, truncated, random bytes inserted, or a run overwritten.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        switch generator.next() % 4 {
        case 0:
            for _ in 0..<(1 + below(4)) where !bytes.isEmpty {
                bytes[below(bytes.count)] ^= UInt8(1 << (generator.next() % 8))
            }
        case 1:
            bytes = Array(bytes.prefix(below(bytes.count + 1)))
        case 2:
            let at = below(bytes.count + 1)
            bytes.insert(
                contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: at)
        default:
            guard !bytes.isEmpty else { break }
            let at = below(bytes.count)
            for index in at..<min(bytes.count, at + 8) { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        return bytes
    }

    /// `text` mutated as bytes (invalid UTF-8 repaired), or, one time in four, a hostile value from ``hostileValues``.
    public mutating func mutate(_ text: String) -> String {
        if below(4) == 0 { return pick(Self.hostileValues) }
        return String(decoding: mutate(Array(text.utf8)), as: UTF8.self)
    }

    /// Values that have broken parsers: huge and special numbers, signs, units, control characters, long runs.
    public static let hostileValues: [String] = [
        "", " ", "-1", "0", "-0", "nan", "NaN", "inf", "-inf", "1e300", "-1e300", "1e-300", "0x10",
        "9223372036854775807",
        "9223372036854775808", "18446744073709551616", "-9223372036854775808", "99999999999999999999999d",
        "106751991167300d", "2562047788015215h", "1.5", "١٢٣", "12\r", "\r\n", "a\u{0}b", "\u{1B}[2J", "%00",
        String(repeating: "9", count: 400), String(repeating: "a", count: 70000), "http://x:99999", "http://u:p@h",
        "[::1]:99999", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "=", "==", "'", "\"",
    ]
}
