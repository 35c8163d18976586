import CacheCore
import Foundation
import LibP2P
import TestSupport
import Testing

@testable import Replication

/// Bounded fuzzing of what peers send beyond the envelope (``FuzzTests``): sync frames and requests, fill requests
/// and control messages. Each input gives a typed refusal or a value within its documented bounds, never a crash.
@Suite struct PeerBytesFuzzTests {
    let codec = FleetCodec(key: Fixtures.key)
    let now = Fixtures.now
    let apiBase = URL(string: "https://api.github.com")!

    @Test func syncFramesAndRequests() throws {
        let request = try codec.sealRequest(
            SyncRequest(have: [.init(key: "k", fetchedAtMilliseconds: 1)], limit: 10), now: now)
        let stream = SyncFrame.payload(request).bytes + SyncFrame.end.bytes
        Fuzzer.run(seed: 11) { fuzzer, round in
            var reader = SyncFrameReader()
            reader.append(round % 2 == 0 ? fuzzer.mutate(stream) : fuzzer.bytes(maxCount: 64))
            for _ in 0..<8 {
                guard case .some(let frame) = try? reader.next() else { break }
                if case .payload(let payload) = frame {
                    #expect(payload.count <= SyncProtocol.maxFrameBytes)
                    if let opened = try? codec.openRequest(payload, now: now) {
                        #expect(opened.limit <= SyncProtocol.maxEntries)
                    }
                }
            }
            _ = try? codec.openRequest(fuzzer.mutate(request), now: now)
        }
    }

    @Test("the lease is optional on the wire both ways: older runners and owners keep working")
    func fillLeaseFields() throws {
        let target = try RequestTarget("/repos/octo/app/actions/runs?status=queued", apiBase: apiBase)
        let old = Data(
            """
            {"key":"\(target.key)","url":"\(target.pathAndQuery)","accept":"\(target.accept)",\
            "api_version":"\(target.apiVersion)","ttl":60,"no_cache":false}
            """.utf8)
        #expect(try JSONDecoder().decode(FillRequest.self, from: old).lease == nil)
        var request = try JSONDecoder().decode(FillRequest.self, from: old)
        request.lease = true
        let encoded = try JSONEncoder().encode(request)
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"lease\":true"))
        #expect(try JSONDecoder().decode(FillRequest.self, from: encoded) == request)
        let lease = FillAnswer.lease(until: 1_700_000_000.25)
        let wire = try JSONEncoder().encode(lease)
        #expect(String(decoding: wire, as: UTF8.self).contains("\"lease_until_ms\":1700000000250"))
        #expect(try JSONDecoder().decode(FillAnswer.self, from: wire) == lease)
        #expect(
            try JSONDecoder().decode(FillAnswer.self, from: Data(#"{"outcome":"ok","detail":"hit"}"#.utf8))
                == .ok("hit"))
        #expect(
            (try? JSONDecoder().decode(FillAnswer.self, from: Data(#"{"outcome":"later","detail":""}"#.utf8))) == nil)
    }

    @Test func fillRequests() throws {
        let target = try RequestTarget("/repos/octo/app/actions/runs?status=queued", apiBase: apiBase)
        let json = Array(
            """
            {"key":"\(target.key)","url":"\(target.pathAndQuery)","accept":"\(target.accept)",\
            "api_version":"\(target.apiVersion)","ttl":60,"no_cache":false}
            """.utf8)
        #expect(try JSONDecoder().decode(FillRequest.self, from: Data(json)).target(apiBase: apiBase) == target)
        Fuzzer.run(seed: 12) { fuzzer, _ in
            var text = String(decoding: json, as: UTF8.self)
            if fuzzer.below(2) == 0 {
                // A hostile value in place of one field's value.
                let field = fuzzer.pick(["\"ttl\":60", "\"no_cache\":false", "\"key\":\"\(target.key)\""])
                let name = field.split(separator: ":")[0]
                let hostile = fuzzer.pick(Fuzzer.hostileValues)
                text = text.replacingOccurrences(of: field, with: "\(name):\(hostile.isEmpty ? "1e400" : hostile)")
            }
            let bytes = fuzzer.below(2) == 0 ? fuzzer.mutate(Array(text.utf8)) : Array(text.utf8)
            guard let request = try? JSONDecoder().decode(FillRequest.self, from: Data(bytes)) else { return }
            if let decoded = request.target(apiBase: apiBase) {
                #expect(decoded.key == request.key)
                #expect((0...FillRequest.maxTTL).contains(request.ttl))
            }
        }
    }

    @Test func controlMessages() throws {
        let invalidation = Invalidation(
            keys: [String(repeating: "a", count: 64)], paths: [StalePath("/repos/o/r", subpaths: true)], at: 1.5e9,
            refresh: true)
        let member = try JSONEncoder().encode(
            ControlMessage.member(peer: "12D3KooW", addresses: ["/ip4/1.2.3.4/tcp/1"]))
        let invalidate = try JSONEncoder().encode(ControlMessage.invalidate(invalidation))
        Fuzzer.run(seed: 13) { fuzzer, round in
            var text = String(decoding: round % 2 == 0 ? member : invalidate, as: UTF8.self)
            if fuzzer.below(3) == 0 {
                text = text.replacingOccurrences(of: "1500000000000", with: fuzzer.pick(Fuzzer.hostileValues))
            }
            let bytes = fuzzer.mutate(Array(text.utf8))
            guard let message = try? JSONDecoder().decode(ControlMessage.self, from: Data(bytes)) else { return }
            if let decoded = message.invalidation {
                #expect(decoded.at.isFinite)
                #expect(decoded.keys.count + decoded.paths.count <= ControlMessage.maxItems)
            }
            // What a sealed message goes through on receipt.
            if let sealed = try? codec.sealMessage(message) {
                _ = try? codec.openMessage(ControlMessage.self, from: sealed)
            }
        }
    }
}
