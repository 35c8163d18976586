import Foundation
import Testing

@testable import Replication

@Suite struct FleetKeyTests {
    @Test func derivesTheDesignVector() {
        #expect(FleetKey(secret: "test-token").fernetKey == "hovu5ViDyfWS-7xZzikxe1tB7uZZ-E3s_s3XiTuCzYw=")
    }

    @Test func matchesPythonHashlibForOtherSecrets() throws {
        let secrets = ["", "ghp_" + String(repeating: "x", count: 36), "ünïcødé secret ✓", "a b\tc"]
        let results = try Python.fernetTool(secrets.map { ["op": "derive", "secret": $0] })
        for (secret, result) in zip(secrets, results) {
            #expect(FleetKey(secret: secret).fernetKey == result["key"] as? String, "secret \(secret.debugDescription)")
        }
    }

    @Test func readsItsOwnFernetKeyText() throws {
        let key = FleetKey(secret: "s3cret")
        #expect(try FleetKey(fernetKey: key.fernetKey) == key)
        #expect(try FleetKey(fernetKey: key.fernetKey + "\n") == key)
    }

    @Test(arguments: [
        "", "short", "hovu5ViDyfWS-7xZzikxe1tB7uZZ-E3s_s3XiTuCzYw",  // unpadded
        "hovu5ViDyfWS+7xZzikxe1tB7uZZ-E3s_s3XiTuCzYw=",  // standard alphabet
        "aGVsbG8=",  // valid base64, wrong length
        "hovu5ViDyfWS-7xZzikxe1tB7uZZ-E3s_s3XiTuCzYw=A===",
    ])
    func rejectsBadFernetKeyText(_ text: String) {
        #expect(throws: FleetKeyError.invalidFernetKey) { try FleetKey(fernetKey: text) }
    }

    @Test func neverPrintsTheKey() {
        let key = FleetKey(secret: "test-token")
        #expect(!"\(key)".contains(key.fernetKey))
        #expect(!String(reflecting: key).contains("hovu5"))
    }

    @Test func topicIsDerivedAndRevealsNothing() {
        let key = FleetKey(secret: "test-token")
        let topic = key.topic
        #expect(topic.hasPrefix("ghcache/1/"))
        let tag = topic.dropFirst("ghcache/1/".count)
        #expect(tag.count == 32 && tag.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(topic == FleetKey(secret: "test-token").topic)
        #expect(topic != FleetKey(secret: "test-token2").topic)
        #expect(!topic.contains(key.fernetKey.prefix(8)))
    }
}
