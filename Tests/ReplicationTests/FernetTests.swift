import Foundation
import Testing

@testable import Replication

@Suite struct FernetTests {
    let key = FleetKey(secret: "test-token")
    var fernet: Fernet { Fernet(key: key) }
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// The fernet/spec "generate" vector (also produced by Python below).
    @Test func matchesTheSpecVector() throws {
        let specKey = try FleetKey(fernetKey: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
        let token = Fernet(key: specKey).encrypt(
            Array("hello".utf8), now: Date(timeIntervalSince1970: 499_162_800), iv: Array(0..<16))
        #expect(
            token
                == "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
        )
        let python = try Python.fernetTool([
            [
                "op": "encrypt_iv", "key": specKey.fernetKey, "at": 499_162_800,
                "iv_hex": "000102030405060708090a0b0c0d0e0f",
                "plaintext_b64": Data("hello".utf8).base64EncodedString(),
            ]
        ])
        #expect(python.first?["token"] as? String == token)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1000, 70_000])
    func roundTrips(size: Int) throws {
        let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let token = fernet.encrypt(plaintext, now: now)
        #expect(token.count == Fernet.tokenLength(plaintextCount: size))
        #expect(try fernet.decrypt(token, ttl: .seconds(60), now: now) == Data(plaintext))
    }

    @Test func enforcesTTLAndClockSkew() throws {
        let token = fernet.encrypt(Array("x".utf8), now: now)
        #expect(try fernet.decrypt(token, ttl: .seconds(60), now: now + 60) == Data("x".utf8))
        #expect(throws: FernetError.expired(ageSeconds: 61)) {
            try fernet.decrypt(token, ttl: .seconds(60), now: now + 61)
        }
        #expect(try fernet.decrypt(token, ttl: nil, now: now + 1_000_000) == Data("x".utf8))
        #expect(try fernet.decrypt(token, ttl: .seconds(60), now: now - 60) == Data("x".utf8))
        #expect(throws: FernetError.fromTheFuture(aheadSeconds: 61)) {
            try fernet.decrypt(token, ttl: .seconds(60), now: now - 61)
        }
    }

    @Test func rejectsOtherKeysAndTampering() throws {
        let token = fernet.encrypt(Array("payload".utf8), now: now)
        #expect(throws: FernetError.invalidSignature) {
            try Fernet(key: FleetKey(secret: "other")).decrypt(token, ttl: nil, now: now)
        }
        var bytes = Array(Base64URL.decode(token)!)
        for index in [0, 5, 12, 30, bytes.count - 1] {
            bytes[index] ^= 0x01
            #expect(throws: FernetError.self) { try fernet.decrypt(Base64URL.encode(bytes), ttl: nil, now: now) }
            bytes[index] ^= 0x01
        }
        #expect(throws: FernetError.notBase64URL) { try fernet.decrypt(token + "!", ttl: nil, now: now) }
        #expect(throws: FernetError.tooShort(3)) { try fernet.decrypt("AAAA", ttl: nil, now: now) }
    }

    @Test func pythonDecryptsSwiftTokens() throws {
        let plaintexts = ["", "hello", String(repeating: "ghcache ", count: 500)].map { Data($0.utf8) }
        let tokens = plaintexts.map { fernet.encrypt($0, now: now) }
        let at = Int(now.timeIntervalSince1970)
        var operations: [[String: Any]] = tokens.map {
            ["op": "decrypt", "key": key.fernetKey, "at": at + 30, "ttl": 60, "token": $0]
        }
        operations.append(["op": "decrypt", "key": key.fernetKey, "at": at + 61, "ttl": 60, "token": tokens[1]])
        let tampered = String(tokens[1].dropLast(4)) + (tokens[1].hasSuffix("AAA=") ? "BAA=" : "AAA=")
        operations.append(["op": "decrypt", "key": key.fernetKey, "at": at, "ttl": 60, "token": tampered])
        let results = try Python.fernetTool(operations)
        for (plaintext, result) in zip(plaintexts, results) {
            #expect(result["plaintext_b64"] as? String == plaintext.base64EncodedString())
        }
        #expect(results[3]["error"] as? String == "InvalidToken", "past TTL")
        #expect(results[4]["error"] as? String == "InvalidToken", "tampered")
    }

    @Test func swiftDecryptsPythonTokens() throws {
        let plaintexts = ["", "hello", String(repeating: "ghcache ", count: 500)].map { Data($0.utf8) }
        let at = Int(now.timeIntervalSince1970)
        let results = try Python.fernetTool(
            plaintexts.map {
                ["op": "encrypt", "key": key.fernetKey, "at": at, "plaintext_b64": $0.base64EncodedString()]
            })
        let tokens = try results.map { try #require($0["token"] as? String) }
        for (plaintext, token) in zip(plaintexts, tokens) {
            #expect(try fernet.decrypt(token, ttl: .seconds(60), now: now + 30) == plaintext)
        }
        #expect(throws: FernetError.expired(ageSeconds: 61)) {
            try fernet.decrypt(tokens[1], ttl: .seconds(60), now: now + 61)
        }
        var tampered = Array(Base64URL.decode(tokens[1])!)
        tampered[40] ^= 0x80
        #expect(throws: FernetError.invalidSignature) {
            try fernet.decrypt(Base64URL.encode(tampered), ttl: .seconds(60), now: now)
        }
    }
}
