import Foundation
import Testing

@testable import LibP2P

/// Helpers shared by the transport tests (namespaced to avoid clashes with other test files).
enum P2PTest {
    /// Decodes a hex string; records an issue and returns `[]` if malformed.
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let hi = iterator.next() {
            guard let lo = iterator.next(), let h = nibble(hi), let l = nibble(lo) else {
                Issue.record("bad hex \(hex)")
                return []
            }
            out.append(h << 4 | l)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// One section of `Resources/libp2p-vectors.json` as a string dictionary.
    static func vectors(_ section: String) throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: "Resources/libp2p-vectors", withExtension: "json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(root[section] as? [String: Any], "missing vector section \(section)")
    }

    /// A hex field of a vector section as bytes.
    static func field(_ section: [String: Any], _ name: String) throws -> [UInt8] {
        bytes(hex: try #require(section[name] as? String, "missing vector field \(name)"))
    }
}

/// One direction of an in-memory byte pipe, as a chunk source for `ByteReader`.
struct PipeSource: ByteChunkSource {
    var iterator: AsyncStream<[UInt8]>.AsyncIterator

    mutating func nextChunk() async throws -> [UInt8]? { await iterator.next() }
}

/// An in-memory unidirectional pipe.
struct BytePipe {
    let stream: AsyncStream<[UInt8]>
    let continuation: AsyncStream<[UInt8]>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self) }

    var reader: ByteReader<PipeSource> { ByteReader(PipeSource(iterator: stream.makeAsyncIterator())) }
}

/// Runs `body` and fails the test if it takes longer than `seconds`.
func withTimeout<T: Sendable>(
    _ seconds: Double, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TimeoutError(seconds: seconds)
        }
        return value
    }
}

/// A test step exceeded its time bound.
struct TimeoutError: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}
