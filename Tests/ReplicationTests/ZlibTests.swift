import Foundation
import Testing

@testable import Replication

@Suite struct ZlibTests {
    @Test(arguments: [0, 1, 100, 200_000])
    func roundTrips(size: Int) throws {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: ($0 * 7) % 251) }
        let compressed = try Zlib.compress(bytes)
        #expect(compressed.first == 0x78)  // zlib header (RFC 1950), what Python's zlib expects
        #expect(try Zlib.decompress(compressed, limit: size) == bytes)
    }

    @Test func stopsAZipBombAtTheLimit() throws {
        let bomb = try Zlib.compress([UInt8](repeating: 0, count: 64 * 1024 * 1024))
        #expect(bomb.count < 100_000)
        #expect(throws: ZlibError.tooLarge(limit: 8 * 1024 * 1024)) {
            try Zlib.decompress(bomb, limit: 8 * 1024 * 1024)
        }
        #expect(throws: ZlibError.tooLarge(limit: 99)) {
            try Zlib.decompress(try Zlib.compress(Array(0..<100)), limit: 99)
        }
    }

    @Test func rejectsBrokenStreams() throws {
        let stream = try Zlib.compress(Array("hello hello hello".utf8))
        #expect(throws: ZlibError.corrupt) { try Zlib.decompress(Array(stream.dropLast(3)), limit: 100) }
        #expect(throws: ZlibError.corrupt) { try Zlib.decompress([], limit: 100) }
        #expect(throws: ZlibError.corrupt) { try Zlib.decompress(Array("not zlib".utf8), limit: 100) }
        var badChecksum = stream
        badChecksum[badChecksum.count - 1] ^= 0xFF
        #expect(throws: ZlibError.corrupt) { try Zlib.decompress(badChecksum, limit: 100) }
        #expect(throws: ZlibError.trailingData) { try Zlib.decompress(stream + [0], limit: 100) }
    }
}
