import Foundation
import GitHubStandIn
import Testing

@Suite("ETag, Last-Modified and 304")
struct ConditionalRequestTests {
    @Test("ETags are weak, stable for a token, and different for another token with the same body")
    func etagBoundToToken() async throws {
        try await StandInHarness.with { standIn in
            let a1 = try await standIn.request("/repos/octo/app", token: "alpha")
            let a2 = try await standIn.request("/repos/octo/app", token: "alpha")
            let b = try await standIn.request("/repos/octo/app", token: "beta")
            let etagA = try #require(a1.header("ETag"))
            #expect(etagA.hasPrefix("W/\""))
            #expect(a2.header("ETag") == etagA)
            #expect(a1.body == b.body)
            #expect(b.header("ETag") != etagA)

            let crossToken = try await standIn.request(
                "/repos/octo/app", token: "beta", headers: [("If-None-Match", etagA)])
            #expect(crossToken.status == 200)
            #expect(crossToken.body == a1.body)
        }
    }

    @Test("A 304 is not charged and does not lower x-ratelimit-remaining")
    func notModifiedIsFree() async throws {
        try await StandInHarness.with { standIn in
            let first = try await standIn.request("/users/octocat/repos", token: "alpha")
            #expect(first.status == 200)
            #expect(first.remaining == 4999)
            let etag = try #require(first.header("ETag"))
            for _ in 0..<3 {
                let again = try await standIn.request(
                    "/users/octocat/repos", token: "alpha", headers: [("If-None-Match", etag)])
                #expect(again.status == 304)
                #expect(again.body.isEmpty)
                #expect(again.header("ETag") == etag)
                #expect(again.remaining == 4999)
                #expect(again.header("x-ratelimit-used") == "1")
            }
            let stats = try await standIn.stats()
            #expect(stats.charged == 1)
            #expect(stats.notCharged == 3)
            #expect(stats.total == 4)
            #expect(stats.counts(for: "/users/octocat/repos").notCharged == 3)
        }
    }

    @Test("If-None-Match compares weakly and accepts lists and *")
    func weakComparison() async throws {
        try await StandInHarness.with { standIn in
            let etag = try #require(try await standIn.request("/repos/octo/app", token: "alpha").header("ETag"))
            let strong = String(etag.dropFirst(2))
            for validator in [strong, "\"nope\", \(etag)", "*"] {
                let response = try await standIn.request(
                    "/repos/octo/app", token: "alpha", headers: [("If-None-Match", validator)])
                #expect(response.status == 304, "validator \(validator)")
            }
            let miss = try await standIn.request(
                "/repos/octo/app", token: "alpha", headers: [("If-None-Match", "W/\"other\"")])
            #expect(miss.status == 200)
        }
    }

    @Test("If-Modified-Since answers 304 until the resource changes; If-None-Match takes precedence")
    func ifModifiedSince() async throws {
        try await StandInHarness.with { standIn in
            let first = try await standIn.request("/repos/octo/app/actions/runs", token: "alpha")
            let lastModified = try #require(first.header("Last-Modified"))
            let other = try await standIn.request(
                "/repos/octo/app/actions/runs", token: "beta", headers: [("If-Modified-Since", lastModified)])
            #expect(other.status == 304)
            #expect(other.remaining == 5000)

            let both = try await standIn.request(
                "/repos/octo/app/actions/runs", token: "beta",
                headers: [("If-Modified-Since", lastModified), ("If-None-Match", "W/\"stale\"")])
            #expect(both.status == 200)

            try standIn.server.mutate(path: "/repos/octo/app/actions/runs")
            let changed = try await standIn.request(
                "/repos/octo/app/actions/runs", token: "beta", headers: [("If-Modified-Since", lastModified)])
            #expect(changed.status == 200)
            let newer = try #require(changed.header("Last-Modified"))
            #expect(newer != lastModified)
        }
    }

    @Test("mutate changes body, ETag and Last-Modified, so revalidation fetches the new content")
    func mutateThroughControlAPI() async throws {
        try await StandInHarness.with { standIn in
            let path = "/repos/octo/app/actions/runs?status=queued"
            let before = try await standIn.request(path, token: "alpha")
            #expect(before.jsonObject?["total_count"] as? Int == 3)
            let etag = try #require(before.header("ETag"))

            let mutation = try await standIn.request(
                "/_standin/mutate", method: .POST, body: #"{"path":"/repos/octo/app/actions/runs"}"#)
            #expect(mutation.status == 200)
            #expect(mutation.jsonObject?["version"] as? Int == 1)

            let after = try await standIn.request(path, token: "alpha", headers: [("If-None-Match", etag)])
            #expect(after.status == 200)
            #expect(after.header("ETag") != etag)
            #expect(after.header("Last-Modified") != before.header("Last-Modified"))
            #expect(after.jsonObject?["total_count"] as? Int == 4)

            let unknown = try await standIn.request("/_standin/mutate", method: .POST, body: #"{"path":"/nowhere"}"#)
            #expect(unknown.status == 400)
        }
    }

    @Test("Each mutation of a recorded repository moves to the next recorded version")
    func recordedVersions() async throws {
        try await StandInHarness.with { standIn in
            let original = try await standIn.request("/repos/hub4j-test-org/github-api", token: "alpha")
            #expect(original.header("Last-Modified") == "Mon, 30 Sep 2019 19:33:56 GMT")
            try standIn.server.mutate(path: "/repos/hub4j-test-org/github-api")
            let changed = try await standIn.request("/repos/hub4j-test-org/github-api", token: "alpha")
            #expect(changed.body != original.body)
            #expect(changed.header("ETag") != original.header("ETag"))
        }
    }
}
