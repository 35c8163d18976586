import Crypto
import Foundation
import Testing

@testable import CacheCore

@Suite("Validators that travel with replicated entries; the installed fingerprint key")
struct TravellingValidatorTests {
    static let fpA = String(repeating: "a", count: 32)
    static let fpB = String(repeating: "b", count: 32)
    static let fpC = String(repeating: "c", count: 32)

    private func replicated(
        _ request: RequestTarget, body: String, fetchedAt: Double, validators: [TokenValidator] = []
    ) -> ReplicatedEntry {
        let data = Data(body.utf8)
        return ReplicatedEntry(
            key: request.key, method: "GET", url: request.pathAndQuery, accept: request.accept,
            apiVersion: request.apiVersion, status: 200, headers: ["content-type": "application/json"], body: data,
            cid: ContentID.of(data), fetchedAt: fetchedAt, expiresAt: fetchedAt + 300, validators: validators)
    }

    @Test("replicable attaches this body's validators, newest first, without the anonymous ones")
    func replicableReadsTheBodysValidators() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/actions/runners")
            let row = try store.storeFetched(
                response(#"{"runners":[]}"#, headers: ["etag": #"W/"a1""#]), target: request, ttl: 600,
                tokenFingerprint: Self.fpA, now: 1000, leaseOwner: nil, counters: [:])
            _ = try store.refreshValidated(
                key: request.key, cid: row.cid, ttl: 600, tokenFingerprint: Self.fpB,
                validators: Validators(etag: #"W/"b1""#, lastModified: nil), now: 1010, leaseOwner: nil, counters: [:])
            _ = try store.refreshValidated(
                key: request.key, cid: row.cid, ttl: 600, tokenFingerprint: TokenFingerprinter.anonymous,
                validators: Validators(etag: #"W/"anon""#, lastModified: nil), now: 1020, leaseOwner: nil,
                counters: [:])
            let current = try #require(try store.entry(forKey: request.key))
            #expect(current.validators.isEmpty)  // a row alone carries none
            let entry = try store.replicable(current)
            #expect(
                entry.validators == [
                    TokenValidator(tokenFingerprint: Self.fpB, etag: #"W/"b1""#, lastModified: nil, seenAt: 1010),
                    TokenValidator(tokenFingerprint: Self.fpA, etag: #"W/"a1""#, lastModified: nil, seenAt: 1000),
                ], "each with when GitHub showed the body to that token")
            #expect(entry.body == row.body)

            // A row read before the body changed gets the validators of its own body only (fpA moved to the new one).
            _ = try store.storeFetched(
                response(#"{"runners":[1]}"#, headers: ["etag": #"W/"a2""#]), target: request, ttl: 600,
                tokenFingerprint: Self.fpA, now: 1030, leaseOwner: nil, counters: [:])
            #expect(try store.replicable(current).validators.map(\.tokenFingerprint) == [Self.fpB])
            let fresh = try #require(try store.entry(forKey: request.key))
            #expect(try store.replicable(fresh).validators.map(\.etag) == [#"W/"a2""#])
        }
    }

    @Test("at most 8 validators travel, and only well-formed ones")
    func replicableIsBounded() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/repos")
            let fetched = try store.storeFetched(
                response("[]", headers: ["etag": #"W/"x""#]), target: request, ttl: 600, tokenFingerprint: "short",
                now: 1000, leaseOwner: nil, counters: [:])
            for index in 0..<12 {
                let fingerprint = String(format: "%032lx", index)
                _ = try store.refreshValidated(
                    key: request.key, cid: fetched.cid, ttl: 600, tokenFingerprint: fingerprint,
                    validators: Validators(etag: #"W/"\#(index)""#, lastModified: nil), now: 1001 + Double(index),
                    leaseOwner: nil, counters: [:])
            }
            let row = try #require(try store.entry(forKey: request.key))
            let validators = try store.replicable(row).validators
            #expect(validators.count == TokenValidator.maxPerEntry)
            #expect(validators.first?.etag == #"W/"11""# && validators.last?.etag == #"W/"4""#)
            #expect(!validators.contains { $0.tokenFingerprint == "short" })
        }
    }

    @Test("upsertFromPeer stores a peer's validators with the entry, so the same fingerprint revalidates with its ETag")
    func peerValidatorsAreStored() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/actions/runners")
            let sent = [
                TokenValidator(tokenFingerprint: Self.fpA, etag: #"W/"a""#, lastModified: nil),
                TokenValidator(tokenFingerprint: Self.fpB, etag: nil, lastModified: "Mon, 06 Jan 2025 12:00:00 GMT"),
            ]
            let entry = replicated(request, body: #"{"runners":[]}"#, fetchedAt: 1000, validators: sent)
            #expect(try store.upsertFromPeer(entry, peer: "12D3KooWPeer", now: 1000) == .inserted)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpA)?.etag == #"W/"a""#)
            #expect(
                try store.validators(forKey: request.key, tokenFingerprint: Self.fpB)
                    == Validators(etag: nil, lastModified: "Mon, 06 Jan 2025 12:00:00 GMT"))
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpC) == nil)
            let row = try #require(try store.entry(forKey: request.key))
            // Sent without a time: seen at the entry's fetch time.
            #expect(
                Set(try store.replicable(row).validators)
                    == Set(
                        sent.map {
                            TokenValidator(
                                tokenFingerprint: $0.tokenFingerprint, etag: $0.etag, lastModified: $0.lastModified,
                                seenAt: 1000)
                        }))

            // Not stored (not newer): its validators are not stored either.
            let older = replicated(
                request, body: #"{"runners":[]}"#, fetchedAt: 900,
                validators: [TokenValidator(tokenFingerprint: Self.fpC, etag: #"W/"c""#, lastModified: nil)])
            #expect(try store.upsertFromPeer(older, peer: "12D3KooWPeer", now: 1000) == .notNewer)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpC) == nil)

            // Same body, later fetch: validators merge (the same fingerprint takes the newer value).
            let later = replicated(
                request, body: #"{"runners":[]}"#, fetchedAt: 1100,
                validators: [TokenValidator(tokenFingerprint: Self.fpA, etag: #"W/"a2""#, lastModified: nil)])
            #expect(try store.upsertFromPeer(later, peer: "12D3KooWPeer", now: 1100) == .updated)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpA)?.etag == #"W/"a2""#)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpB) != nil)

            // A new body: the new validators come with it; the old body stays, as a variant, for the tokens that
            // were shown it, and its validators do not travel with the new body.
            let changed = replicated(
                request, body: #"{"runners":[1]}"#, fetchedAt: 1200,
                validators: [TokenValidator(tokenFingerprint: Self.fpC, etag: #"W/"c""#, lastModified: nil)])
            #expect(try store.upsertFromPeer(changed, peer: "12D3KooWPeer", now: 1200) == .updated)
            let oldBody = ContentID.of(Data(#"{"runners":[]}"#.utf8))
            #expect(try store.view(key: request.key, tokenFingerprint: Self.fpA)?.entry.cid == oldBody)
            #expect(
                try store.view(key: request.key, tokenFingerprint: Self.fpB)?.entry.body
                    == Data(#"{"runners":[]}"#.utf8))
            #expect(try store.view(key: request.key, tokenFingerprint: Self.fpC)?.entry.cid == changed.cid)
            let newRow = try #require(try store.entry(forKey: request.key))
            #expect(try store.replicable(newRow).validators.map(\.tokenFingerprint) == [Self.fpC])
        }
    }

    @Test("malformed, anonymous and surplus validators from a caller are skipped, never stored")
    func peerValidatorsAreFiltered() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/repos")
            let bad = [
                TokenValidator(tokenFingerprint: TokenFingerprinter.anonymous, etag: #"W/"x""#, lastModified: nil),
                TokenValidator(tokenFingerprint: String(repeating: "A", count: 32), etag: #"W/"x""#, lastModified: nil),
                TokenValidator(tokenFingerprint: Self.fpA, etag: "W/\"x\"\r\nSet-Cookie: y", lastModified: nil),
                TokenValidator(tokenFingerprint: Self.fpB, etag: nil, lastModified: nil),
                TokenValidator(
                    tokenFingerprint: Self.fpC, etag: String(repeating: "e", count: TokenValidator.maxValueBytes + 1),
                    lastModified: nil),
            ]
            let many = (0..<10).map {
                TokenValidator(tokenFingerprint: String(format: "%032lx", $0), etag: #"W/"\#($0)""#, lastModified: nil)
            }
            let entry = replicated(request, body: "[]", fetchedAt: 1000, validators: bad + many)
            #expect(try store.upsertFromPeer(entry, peer: "12D3KooWPeer", now: 1000) == .inserted)
            let row = try #require(try store.entry(forKey: request.key))
            let kept = try store.replicable(row).validators
            #expect(kept.count == 3)  // the first 8 sent: 5 bad ones, then 3 good ones
            #expect(kept.allSatisfy { $0.isWellFormed })
            for validator in bad {
                #expect(try store.validators(forKey: request.key, tokenFingerprint: validator.tokenFingerprint) == nil)
            }
        }
    }

    @Test(
        "another token's 200 with the same body keeps the first token's validators; a new body leaves them on the old")
    func sameBodyKeepsOtherTokensValidators() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/repos")
            func fetch(_ body: String, etag: String, token: String, now: Double) throws {
                _ = try store.storeFetched(
                    response(body, headers: ["etag": etag]), target: request, ttl: 600, tokenFingerprint: token,
                    now: now, leaseOwner: nil, counters: [:])
            }
            try fetch("[1]", etag: #"W/"a""#, token: Self.fpA, now: 1000)
            try fetch("[1]", etag: #"W/"b""#, token: Self.fpB, now: 1010)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpA)?.etag == #"W/"a""#)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpB)?.etag == #"W/"b""#)
            try fetch("[1]", etag: #"W/"a2""#, token: Self.fpA, now: 1020)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpA)?.etag == #"W/"a2""#)
            try fetch("[2]", etag: #"W/"b3""#, token: Self.fpB, now: 1030)
            // The old body stays as A's view (a variant), with A's validators; the entry is B's new body.
            #expect(try store.view(key: request.key, tokenFingerprint: Self.fpA)?.entry.body == Data("[1]".utf8))
            #expect(try store.view(key: request.key, tokenFingerprint: Self.fpA)?.validators.etag == #"W/"a2""#)
            #expect(try store.view(key: request.key, tokenFingerprint: Self.fpB)?.entry.body == Data("[2]".utf8))
            #expect(try store.bodies(key: request.key).map(\.body) == [Data("[2]".utf8), Data("[1]".utf8)])
            #expect(try store.validators(forKey: request.key, tokenFingerprint: Self.fpB)?.etag == #"W/"b3""#)
        }
    }

    @Test(
        "fingerprints cover the whole token: long installation tokens that differ at the end differ; the lean front agrees"
    )
    func wholeTokenFingerprint() {
        let key = [UInt8](repeating: 9, count: 32)
        let fingerprinter = TokenFingerprinter(key: SymmetricKey(data: key))
        let stem = "ghs_1234567_" + String(repeating: "eyJhbGciOiJSUzI1NiJ9.", count: 24)
        let (one, two) = (stem + "AAAA", stem + "AAAB")
        #expect(one.count > 500)
        #expect(fingerprinter.fingerprint(one) != fingerprinter.fingerprint(two))
        // ghcache-get's lean front computes the fingerprint without swift-crypto: the same bytes for any length.
        for token in [one, two, "t0ken"] {
            #expect(
                fingerprinter.fingerprint(token)
                    == hexString(SHA256Digest.hmac(key: key, message: Array(token.utf8)).prefix(16)))
        }
    }

    @Test("install writes the key atomically (0600) and only when it differs; fingerprints follow the file")
    func installFingerprintKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let before = try TokenFingerprinter(cacheDir: directory.path).fingerprint("t0ken")
        let key = [UInt8](repeating: 7, count: 32)
        #expect(try TokenFingerprinter.install(key: key, cacheDir: directory.path))
        #expect(!(try TokenFingerprinter.install(key: key, cacheDir: directory.path)))
        let path = directory.file("fingerprint.key")
        #expect(FileManager.default.contents(atPath: path) == Data(key))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let after = try TokenFingerprinter(cacheDir: directory.path).fingerprint("t0ken")
        #expect(after != before)
        #expect(after == TokenFingerprinter(key: SymmetricKey(data: key)).fingerprint("t0ken"))
        #expect(TokenValidator.isFingerprint(after))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["fingerprint.key"])
        await expectError(.store, containing: "32 bytes") {
            try TokenFingerprinter.install(key: [UInt8](repeating: 1, count: 16), cacheDir: directory.path)
        }
    }
}
