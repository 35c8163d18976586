import CacheCore
import Crypto
import Foundation
import Testing

@testable import LeanCore

@Suite("LeanCore: the Foundation-free pieces agree with the libraries they stand in for")
struct LeanCoreTests {
    @Test("HMAC-SHA256: RFC 4231 case 2, and swift-crypto (the token fingerprints) on random keys and messages")
    func hmac() {
        #expect(
            hexString(SHA256Digest.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 31, 32, 63, 64, 65, 200] {
            let key = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let message = (0..<(length * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
            #expect(SHA256Digest.hmac(key: key, message: message) == expected, "key of \(length) bytes")
        }
    }

    @Test("GitHub's ETag formula: the vectors of GITHUB-FACTS (bored-engineer/github-conditional-http-transport)")
    func githubETag() {
        let body = Array("[]".utf8)
        #expect(
            GitHubETag.of(accept: nil, authorization: nil, body: body)
                == "\"4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945\"")
        #expect(
            GitHubETag.of(accept: "*/*", authorization: nil, body: body)
                == "\"992aaf92b487506974e4305db4a64326866f3ed48b2ba424cef8fbe4e28f72b0\"")
        let accept = "application/vnd.github+json"
        #expect(
            GitHubETag.of(accept: accept, authorization: "Bearer hunter2", body: body)
                == "\"4ca3654066548c66635d8c4ff18efdef7630cfe4b140ed1c40f72fad4dbff62d\"")
        #expect(
            GitHubETag.of(accept: accept, authorization: "token hunter2", body: body)
                == "\"09e0d5c87dccc913cecf55a186fd69ef6d01017cf170f072df6821de191c3d6a\"")
        #expect(
            GitHubETag.of(accept: accept, authorization: "bearer hunter2", body: body)
                == "\"9739216b2cd1eef0fd0f3d46c8241eb40812c453c2cf06caaffaacfe34f8db8b\"")
    }

    @Test("the access rule: fleet serves all, token only tokens shown the body, verified within CACHE_ACCESS_TTL")
    func accessRule() {
        let verified = AccessRule(mode: .verified, accessTTL: 300)
        #expect(verified.decision(seenAt: 1000, now: 1300) == .serve)
        #expect(verified.decision(seenAt: 1000, now: 1301) == .prove)
        #expect(verified.decision(seenAt: nil, now: 0) == .prove)
        #expect(!verified.mayServeWithoutGitHub(seenAt: nil) && verified.mayServeWithoutGitHub(seenAt: 1))
        let token = AccessRule(mode: .token, accessTTL: 300)
        #expect(token.decision(seenAt: 1, now: 1_000_000) == .serve && token.decision(seenAt: nil, now: 0) == .fetchOwn)
        let fleet = AccessRule(mode: .fleet, accessTTL: 300)
        #expect(fleet.decision(seenAt: nil, now: 0) == .serve && fleet.mayServeWithoutGitHub(seenAt: nil))
    }

    @Test("SHA-256: the FIPS 180-4 examples, and swift-crypto on random inputs of every length to 300 bytes")
    func sha256() {
        #expect(
            SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(SHA256Digest.hash(bytes) == Array(SHA256.hash(data: bytes)), "length \(length)")
        }
    }

    @Test("percent-decoding matches Foundation's removingPercentEncoding")
    func percentDecoding() {
        for text in ["a%20b", "%E2%9C%93", "%zz", "%4", "plain", "%FF", "100%25", "a+b", "%c3%a9", ""] {
            #expect(RequestTarget.percentDecoded(text) == text.removingPercentEncoding, "\(text)")
        }
    }

    @Test("a value the lean hit path accepts is one Configuration accepts, for every setting")
    func certainlyValidImpliesValid() {
        let samples = [
            "", " ", "0", "1", "-1", "30", "5m", "2.5", "0.5s", "abc", "true", "off", "256M", "1G", "65535", "65536",
            "127.0.0.1", "::1", "127.0.0.1:8787", "[::1]:0", "localhost:1", "/repos/*/*/actions/runs=30",
            "/a=1,nope", "/orgs/o/actions/runners", "**/x", "https://api.github.com", "http://127.0.0.1:9/api/v3/",
            "https://ghe.example.com/api/v3", "ftp://x", "https://", "https://h?q=1", "https://us er@h",
            "https://h:99999", "http://[::1]:8/", "HTTPS://API.GITHUB.COM", "/a/b?status=queued", "/x /y", "verified",
            "fleet", " token ",
        ]
        for variable in ConfigVariable.allCases where variable != .cacheDir {
            for sample in samples where variable.isCertainlyValid(sample) {
                let loaded = Result { try Configuration.load(environment: ["HOME": "/h", variable.rawValue: sample]) }
                #expect((try? loaded.get()) != nil, "\(variable.rawValue)=\(sample)")
            }
        }
    }

    @Test("every setting that Configuration refuses is refused by the lean check too (except URLs it defers on)")
    func invalidIsNotCertainlyValid() {
        let samples = ["abc", "-1", "1.5h", "65536", "nope", "1x", "/a=1,nope", "**/x", "300.0.0.1", "h:1"]
        for variable in ConfigVariable.allCases {
            for sample in samples {
                let loaded = Result { try Configuration.load(environment: ["HOME": "/h", variable.rawValue: sample]) }
                if (try? loaded.get()) == nil {
                    #expect(!variable.isCertainlyValid(sample), "\(variable.rawValue)=\(sample)")
                }
            }
        }
    }
}
