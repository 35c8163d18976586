import CacheCore
import Crypto
import Foundation
import Testing

@testable import LeanCore

@Suite("LeanCore: the Foundation-free pieces agree with the libraries they stand in for")
struct LeanCoreTests {
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
            "https://h:99999", "http://[::1]:8/", "HTTPS://API.GITHUB.COM", "/a/b?status=queued", "/x /y",
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
