import Testing

@testable import LeanCore

/// Outside numbers are bounded where they are parsed; secrets are removed from every line.
@Suite("LeanCore: bounded values from outside, and redaction")
struct BoundsAndRedactionTests {
    @Test("durations are at most ten years; GitHub's times and waits are bounded or refused")
    func bounds() {
        #expect(ValueParsers.seconds("3650d") == 315_360_000)
        #expect(ValueParsers.seconds("3651d") == nil)
        #expect(ValueParsers.seconds("9223372036854775807") == nil)
        #expect(ValueParsers.seconds("106751991167300d") == nil)
        #expect(ValueParsers.unixTime("1733580000") == 1_733_580_000)
        for bad in ["9223372036854775808", "nan", "1e300", "-1", "1.5", "", "253402300800"] {
            #expect(ValueParsers.unixTime(bad) == nil, "\(bad)")
        }
        #expect(ValueParsers.retryAfterSeconds("60") == 60)
        #expect(ValueParsers.retryAfterSeconds("1e300") == TimeBounds.maxRetryAfter)
        for bad in ["nan", "inf", "-1", "x"] { #expect(ValueParsers.retryAfterSeconds(bad) == nil, "\(bad)") }
        #expect(TimeBounds.wholeSeconds(.infinity) == TimeBounds.maxSeconds)
        #expect(TimeBounds.wholeSeconds(-.infinity) == -TimeBounds.maxSeconds)
        #expect(TimeBounds.wholeSeconds(.nan) == 0)
        #expect(TimeBounds.clampedInt(1e300) == .max && TimeBounds.clampedInt(-1e300) == .min)
        #expect(TimeBounds.clampedInt(9_223_372_036_854_775_808.0) == .max)
        #expect(TimeBounds.adding(.max - 1, 5) == .max)
        #expect(ValueParsers.secret("ghp_abc\r") == nil && ValueParsers.secret("ghp_abc") == "ghp_abc")
        #expect(ValueParsers.plainHTTPURL("http://127.0.0.1:0") == nil)
        #expect(ValueParsers.plainHTTPURL("http://127.0.0.1:65535") != nil)
        #expect(ValueParsers.plainHTTPURL("http://127.0.0.1:65536") == nil)
    }

    @Test("redaction: URL credentials, header credentials, GitHub token formats, registered secrets, controls")
    func redaction() {
        #expect(
            Redaction.redact("cannot reach https://me:hunter2pass@ghe.example/api/v3 for /x")
                == "cannot reach https://[redacted]@ghe.example/api/v3 for /x")
        #expect(Redaction.redact("Authorization: Bearer abcdef123456\r") == "Authorization: Bearer [redacted]\\r")
        #expect(Redaction.redact("token ghp_0123456789abcdefABCDEF0123") == "token [redacted]")
        #expect(Redaction.redact("see github_pat_11AAAAAAA0_abcdefghijk here") == "see [redacted] here")
        // 2026 installation tokens are JWT-like: dots and base64url dashes belong to the token; a final dot does not.
        let installation = "ghs_12345_eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0-x_.Qx-9_zKabc"
        #expect(Redaction.redact("used \(installation).") == "used [redacted].")
        #expect(Redaction.redact("GITHUB_TOKEN=\(installation) x") == "GITHUB_TOKEN=[redacted] x")
        // Ordinary words after "token" stay.
        #expect(
            Redaction.redact("no GitHub token (GITHUB_TOKEN, GH_TOKEN)") == "no GitHub token (GITHUB_TOKEN, GH_TOKEN)")
        #expect(Redaction.redact("the token contains a control character") == "the token contains a control character")
        Redaction.register("s3cr3t-fleet-value")
        #expect(Redaction.redact("x s3cr3t-fleet-value y") == "x [redacted] y")
        #expect(Redaction.redact("a\u{1B}[2Jb\nc") == "a\\u{1B}[2Jb\\nc")
        #expect(Redaction.redact("plain text, 100% ordinary") == "plain text, 100% ordinary")
        #expect(
            Redaction.redactLines("Error: x\nUsage: y Bearer abcdef123456\r")
                == "Error: x\nUsage: y Bearer [redacted]\\r")
    }
}
