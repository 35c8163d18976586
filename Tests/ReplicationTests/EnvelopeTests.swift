import CacheCore
import Foundation
import Testing

@testable import Replication

@Suite struct EnvelopeTests {
    let now = Fixtures.now

    @Test func contentIDMatchesTheDesignVector() {
        #expect(ContentID.of(Data("hello world".utf8)) == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        #expect(ContentID.of(Data()) == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    }

    @Test func entryKeepsOnlyReplicatedHeaders() {
        let entry = Fixtures.entry()
        #expect(Set(entry.headers.keys) == ["content-type", "etag", "link"])
        #expect(entry.fetchedAtMilliseconds == 1_749_999_999_250)
    }

    @Test(arguments: [0, 2, 350_000])
    func roundTrips(bodySize: Int) throws {
        let entry = Fixtures.entry(body: String(repeating: #"{"a":1}"#, count: bodySize / 7 + 1).prefix(bodySize) + "")
        let bytes = try Envelope.encode(entry)
        #expect(bytes.first == 0x01)
        #expect(try Envelope.decode(bytes, now: now).entry == entry)
    }

    @Test func binaryBodiesSurviveExactly() throws {
        let entry = Fixtures.entry()
        var binary = entry
        binary.setBody(Data((0...255).map { UInt8($0) } + [0xFF, 0xFE, 0x00]))
        #expect(binary.cid != entry.cid)
        #expect(try Envelope.decode(try Envelope.encode(binary), now: now).entry.body == binary.body)
    }

    @Test func handBuiltEnvelopeDecodes() throws {
        let entry = Fixtures.entry()
        var metadata = Fixtures.metadata(entry)
        metadata["future_field"] = ["ignored": true]
        metadata["headers"] = ["content-type": "application/json", "x-ratelimit-remaining": "1"]
        let decoded = try Envelope.decode(try Fixtures.envelope(metadata: metadata, body: entry.body), now: now).entry
        #expect(decoded.headers == ["content-type": "application/json"])
        #expect(decoded.key == entry.key)
    }

    /// Each broken field gives its own reason.
    @Test func rejectsInvalidEnvelopesByReason() throws {
        let entry = Fixtures.entry()
        let good = Fixtures.metadata(entry)
        func reason(_ change: (inout [String: Any]) -> Void, body: Data? = nil, version: UInt8 = 1) throws
            -> RejectReason?
        {
            var metadata = good
            change(&metadata)
            let bytes = try Fixtures.envelope(metadata: metadata, body: body ?? entry.body, version: version)
            do {
                _ = try Envelope.decode(bytes, now: now).entry
                return nil
            } catch {
                return error.reason
            }
        }
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        #expect(try reason({ _ in }, version: 2) == .malformed)
        #expect(try reason({ _ in }, body: Data("tampered".utf8)) == .cidMismatch)
        #expect(
            try reason({ $0["cid"] = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e" }) == .cidMismatch)
        #expect(try reason({ $0["expires_at_ms"] = nowMs - 1 }) == .expired)
        #expect(
            try reason({
                $0["fetched_at_ms"] = nowMs + 61_000
                $0["expires_at_ms"] = nowMs + 100_000
            }) == .clockSkew)
        #expect(try reason({ $0["expires_at_ms"] = (good["fetched_at_ms"] as! Int64) - 1 }) == .malformed)
        #expect(try reason({ $0["expires_at_ms"] = nowMs + 31 * 86_400_000 }) == .malformed)
        for field in ["key", "method", "url", "accept", "status", "headers", "cid", "fetched_at_ms", "origin_peer"] {
            #expect(try reason({ $0[field] = nil }) == .malformed, "missing \(field)")
        }
        #expect(try reason({ $0["status"] = "200" }) == .malformed)
        #expect(try reason({ $0["status"] = 404 }) == .malformed)
        #expect(try reason({ $0["method"] = "POST" }) == .malformed)
        #expect(try reason({ $0["url"] = "https://api.github.com/x" }) == .malformed)
        #expect(try reason({ $0["url"] = "/x\ny" }) == .malformed)
        #expect(try reason({ $0["key"] = "" }) == .malformed)
        // No lookup has an empty API version: such an entry would be stored where nothing finds it.
        #expect(try reason({ $0["api_version"] = NSNull() }) == .malformed)
        #expect(try reason({ $0["api_version"] = "" }) == .malformed)
        #expect(try reason({ $0["headers"] = ["etag": "a\r\nSet-Cookie: x"] }) == .malformed)
        #expect(try reason({ $0["key"] = String(repeating: "k", count: 20_000) }) == .malformed)
        #expect(try reason({ $0["accept"] = String(repeating: "k", count: 70_000) }) == .oversized)
    }

    @Test func rejectsBadFraming() throws {
        #expect(throws: Rejection.self) { try Envelope.decode([UInt8](), now: now).entry }
        let reasons: [([UInt8], RejectReason)] = [
            ([1] + (try Zlib.compress([0, 0])), .malformed),
            ([1] + (try Zlib.compress([0, 0, 0, 9, 0x7B])), .malformed),
            ([1] + (try Zlib.compress([0, 1, 0, 1] + [UInt8](repeating: 0x20, count: 70_000))), .oversized),
            ([1] + (try Zlib.compress([0, 0, 0, 2, 0x5B, 0x5D])), .malformed),  // JSON, but not an object
            ([1] + (try Zlib.compress([UInt8](repeating: 0, count: 9 * 1024 * 1024))), .oversized),
            ([1, 0x78, 0x9C, 0x00], .malformed),
        ]
        for (bytes, expected) in reasons {
            #expect(throws: Rejection.self) {
                do {
                    _ = try Envelope.decode(bytes, now: now).entry
                } catch {
                    #expect((error as? Rejection)?.reason == expected)
                    throw error
                }
            }
        }
    }

    @Test func refusesToEncodeWhatCannotBeReplicated() {
        let huge = Fixtures.entry(body: String(repeating: "x", count: Envelope.maxDecompressedBytes))
        #expect {
            try Envelope.encode(huge)
        } throws: { error in
            (error as? Rejection)?.reason == .oversized
        }
    }
}
