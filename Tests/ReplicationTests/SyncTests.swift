import CacheCore
import Foundation
import LibP2P
import Testing

@testable import Replication

@Suite struct SyncTests {
    let codec = FleetCodec(key: Fixtures.key)
    let now = Fixtures.now

    private func entry(_ key: String, fetchedOffset: TimeInterval, expiresOffset: TimeInterval) -> ReplicatedEntry {
        var entry = Fixtures.entry()
        entry.key = key
        entry.fetchedAtMilliseconds = ReplicatedEntry.milliseconds(now + fetchedOffset)
        entry.expiresAtMilliseconds = ReplicatedEntry.milliseconds(now + expiresOffset)
        return entry
    }

    @Test func requestRoundTrips() throws {
        let request = SyncRequest(
            have: [.init(key: "a", fetchedAtMilliseconds: 1), .init(key: "ü/ß?x=1", fetchedAtMilliseconds: 2)],
            limit: 50)
        #expect(try codec.openRequest(try codec.sealRequest(request, now: now), now: now) == request)
        #expect(SyncRequest(have: [], limit: 1_000_000).limit == SyncProtocol.maxEntries)
    }

    @Test func requestFromAnotherFleetOrTooOldIsRefused() throws {
        let payload = try codec.sealRequest(SyncRequest(have: []), now: now)
        #expect(throws: Rejection.self) { try FleetCodec(key: FleetKey(secret: "x")).openRequest(payload, now: now) }
        #expect(throws: Rejection(.expired, "Fernet token expired (601 s old)")) {
            try codec.openRequest(payload, now: now + 601)
        }
        let notARequest = Array(codec.fernet.encrypt([1, 2, 3], now: now).utf8)
        #expect(throws: Rejection.self) { try codec.openRequest(notARequest, now: now) }
    }

    @Test func oversizedHaveListIsTruncatedToFit() throws {
        var generator = SplitMix64(seed: 9)
        let have = (0..<60_000).map { index in
            SyncRequest.Held(
                key: "GET /repos/o/r\(generator.next())/runs", fetchedAtMilliseconds: Int64(1_000_000 - index))
        }
        let payload = try codec.sealRequest(SyncRequest(have: have), now: now)
        #expect(payload.count <= SyncProtocol.maxFrameBytes)
        let decoded = try codec.openRequest(payload, now: now)
        #expect(decoded.have.count > 1000 && decoded.have.count < have.count)
        #expect(decoded.have == Array(have.prefix(decoded.have.count)))
    }

    @Test func responderSendsFreshEntriesTheRequesterLacksNewestFirst() {
        let candidates = [
            entry("lacking-old", fetchedOffset: -50, expiresOffset: 60),
            entry("lacking-new", fetchedOffset: -10, expiresOffset: 60),
            entry("held-older", fetchedOffset: -20, expiresOffset: 60),
            entry("held-same", fetchedOffset: -20, expiresOffset: 60),
            entry("held-newer", fetchedOffset: -20, expiresOffset: 60),
            entry("expired", fetchedOffset: -100, expiresOffset: -1),
        ]
        let fetched = candidates[2].fetchedAtMilliseconds
        let request = SyncRequest(have: [
            .init(key: "held-older", fetchedAtMilliseconds: fetched - 1),
            .init(key: "held-same", fetchedAtMilliseconds: fetched),
            .init(key: "held-newer", fetchedAtMilliseconds: fetched + 1),
        ])
        // The responder's index holds only fresh entries (the store filters on expiry).
        let index = candidates.filter { $0.expiresAtMilliseconds > ReplicatedEntry.milliseconds(now) }.map {
            SyncRequest.Held(key: $0.key, fetchedAtMilliseconds: $0.fetchedAtMilliseconds)
        }
        #expect(request.selection(of: index).map(\.key) == ["lacking-new", "held-older", "lacking-old"])
        #expect(SyncRequest(have: [], limit: 1).selection(of: index).map(\.key) == ["lacking-new"])
    }

    @Test func framesSurviveArbitrarySplits() throws {
        let payloads: [[UInt8]] = [Array("first".utf8), [UInt8](repeating: 0x41, count: 300), Array("x".utf8)]
        let stream = payloads.flatMap { SyncFrame.payload($0).bytes } + SyncFrame.end.bytes
        var reader = SyncFrameReader()
        var frames: [SyncFrame] = []
        for byte in stream {
            reader.append([byte])
            while let frame = try reader.next() { frames.append(frame) }
        }
        #expect(frames == payloads.map { .payload($0) } + [.end])
    }

    @Test func framesOverTheCapOrNonMinimalAreRefused() {
        var reader = SyncFrameReader()
        reader.append([0x81, 0x80, 0x80, 0x01])  // 2 MiB + 1, refused before any payload arrives
        #expect(throws: Rejection(.oversized, "frame of 2097153 bytes exceeds 1048576")) { try reader.next() }
        var nonMinimal = SyncFrameReader()
        nonMinimal.append([0x85, 0x00, 1, 2, 3, 4, 5])
        #expect(throws: Rejection(.malformed, "frame length is not a minimal varint")) { try nonMinimal.next() }
        var tooLong = SyncFrameReader()
        tooLong.append([UInt8](repeating: 0xFF, count: 11))
        #expect(throws: Rejection.self) { try tooLong.next() }
    }
}
