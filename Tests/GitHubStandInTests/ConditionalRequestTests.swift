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

    @Test("On a single object If-Modified-Since answers 304 for any token until it changes; If-None-Match wins")
    func ifModifiedSince() async throws {
        try await StandInHarness.with { standIn in
            let first = try await standIn.request("/repos/octo/app", token: "alpha")
            let lastModified = try #require(first.header("Last-Modified"))
            let other = try await standIn.request(
                "/repos/octo/app", token: "beta", headers: [("If-Modified-Since", lastModified)])
            #expect(other.status == 304)
            #expect(other.header("Last-Modified") == lastModified)
            #expect(other.remaining == 5000)

            let both = try await standIn.request(
                "/repos/octo/app", token: "beta",
                headers: [("If-Modified-Since", lastModified), ("If-None-Match", "W/\"stale\"")])
            #expect(both.status == 200)

            try standIn.server.mutate(path: "/repos/octo/app")
            let changed = try await standIn.request(
                "/repos/octo/app", token: "beta", headers: [("If-Modified-Since", lastModified)])
            #expect(changed.status == 200)
            let newer = try #require(changed.header("Last-Modified"))
            #expect(newer != lastModified)
        }
    }

    @Test(
        "Single objects carry Last-Modified; lists (arrays and wrapped lists) do not",
        arguments: [
            ("/repos/octo/app", true), ("/users/octocat", true), ("/orgs/octo", true), ("/", true),
            ("/repos/octokit-fixture-org/hello-world", true), ("/repositories/515436299", true),
            ("/orgs/octo/repos", false), ("/users/octocat/repos", false), ("/repos/octo/app/actions/runs", false),
            ("/repos/octo/app/actions/runs?status=queued", false), ("/repos/octo/app/actions/runners", false),
            ("/orgs/octo/actions/runners", false), ("/repos/api-padawan/api-sandbox/actions/runs", false),
            ("/repos/ReDASers/Phishing-Detection/actions/runners", false),
            ("/repos/octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe/issues", false),
        ])
    func lastModifiedOnlyOnSingleObjects(path: String, single: Bool) async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request(path, token: "alpha")
            #expect(response.status == 200)
            #expect(response.header("ETag") != nil)
            #expect((response.header("Last-Modified") != nil) == single, "\(path)")
            let isList = response.jsonArray != nil || response.jsonObject?["total_count"] != nil
            #expect(isList == !single, "\(path)")
        }
    }

    @Test("A list ignores If-Modified-Since: a full, charged 200 for any token; only its own ETag gets a 304")
    func listIgnoresIfModifiedSince() async throws {
        try await StandInHarness.with { standIn in
            let path = "/repos/octo/app/actions/runs"
            let first = try await standIn.request(path, token: "alpha")
            #expect(first.status == 200 && first.header("Last-Modified") == nil)
            let etag = try #require(first.header("ETag"))
            let date = Self.httpDate(Date().addingTimeInterval(3600))
            for token in ["alpha", "beta"] {
                let since = try await standIn.request(path, token: token, headers: [("If-Modified-Since", date)])
                #expect(since.status == 200 && since.body == first.body, "token \(token)")
                #expect(since.header("Last-Modified") == nil)
            }
            let crossToken = try await standIn.request(path, token: "beta", headers: [("If-None-Match", etag)])
            #expect(crossToken.status == 200)
            let own = try await standIn.request(
                path, token: "alpha", headers: [("If-None-Match", etag), ("If-Modified-Since", date)])
            #expect(own.status == 304 && own.header("Last-Modified") == nil && own.header("ETag") == etag)
            let stats = try await standIn.stats()
            #expect(stats.counts(for: path).charged == 4)
            #expect(stats.counts(for: path).notCharged == 1)
        }
    }

    private static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("mutate changes body and ETag, so revalidation fetches the new content")
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
            #expect(after.header("Last-Modified") == nil && before.header("Last-Modified") == nil)
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
