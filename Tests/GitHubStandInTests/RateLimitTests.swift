import Foundation
import GitHubStandIn
import Testing

@Suite("Primary rate limit and authentication")
struct RateLimitTests {
    @Test("Each charged call lowers remaining for that token only, with all x-ratelimit headers")
    func perTokenBudgets() async throws {
        try await StandInHarness.with(StandInConfiguration(rateLimit: 10)) { standIn in
            for expected in [9, 8, 7] {
                let response = try await standIn.request("/repos/octo/app", token: "alpha")
                #expect(response.remaining == expected)
                #expect(response.header("x-ratelimit-limit") == "10")
                #expect(response.header("x-ratelimit-used") == "\(10 - expected)")
                #expect(response.header("x-ratelimit-resource") == "core")
                let reset = try #require(response.header("x-ratelimit-reset").flatMap { Int($0) })
                #expect(reset > Int(Date().timeIntervalSince1970))
            }
            #expect(try await standIn.request("/repos/octo/app", token: "beta").remaining == 9)
            #expect(try await standIn.request("/repos/octo/app").header("x-ratelimit-limit") == "60")
        }
    }

    @Test("An exhausted budget answers the recorded primary-limit 403 until reset, and is not charged")
    func exhaustion() async throws {
        try await StandInHarness.with(StandInConfiguration(rateLimit: 2)) { standIn in
            let first = try await standIn.request("/users/octocat/repos", token: "alpha")
            let etag = try #require(first.header("ETag"))
            #expect(try await standIn.request("/users/octocat/repos", token: "alpha").remaining == 0)
            let limited = try await standIn.request("/users/octocat/repos", token: "alpha")
            #expect(limited.status == 403)
            #expect(limited.remaining == 0)
            let message = try #require(limited.jsonObject?["message"] as? String)
            #expect(message.lowercased().hasPrefix("api rate limit exceeded"))
            let conditional = try await standIn.request(
                "/users/octocat/repos", token: "alpha", headers: [("If-None-Match", etag)])
            #expect(conditional.status == 403)
            #expect(try await standIn.request("/users/octocat/repos", token: "beta").status == 200)

            let rateLimit = try await standIn.request("/rate_limit", token: "alpha")
            #expect(rateLimit.status == 200)
            let core = try #require((rateLimit.jsonObject?["resources"] as? [String: Any])?["core"] as? [String: Any])
            #expect(core["remaining"] as? Int == 0)
            #expect(core["limit"] as? Int == 2)

            let stats = try await standIn.stats()
            #expect(stats.charged == 3)
            #expect(stats.notCharged == 3)
        }
    }

    @Test("GET /rate_limit is not charged and reports live numbers in the recorded shape")
    func rateLimitEndpoint() async throws {
        try await StandInHarness.with { standIn in
            _ = try await standIn.request("/repos/octo/app", token: "alpha")
            let response = try await standIn.request("/rate_limit", token: "alpha")
            let body = try #require(response.jsonObject)
            let rate = try #require(body["rate"] as? [String: Any])
            #expect(rate["remaining"] as? Int == 4999)
            #expect(rate["used"] as? Int == 1)
            let resources = try #require(body["resources"] as? [String: Any])
            #expect(Set(resources.keys).isSuperset(of: ["core", "search", "graphql"]))
            let search = try #require(resources["search"] as? [String: Any])
            #expect((search["reset"] as? Int ?? 0) > Int(Date().timeIntervalSince1970))
            #expect(response.header("ETag") == nil)
            #expect(try await standIn.request("/rate_limit", token: "alpha").remaining == 4999)
            #expect(try await standIn.stats().charged == 1)
        }
    }

    @Test(
        "Tokens starting with bad get the recorded 401",
        arguments: ["token badtoken", "Bearer bad", "Basic abc", "token "])
    func badCredentials(authorization: String) async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/repos/octo/app", headers: [("Authorization", authorization)])
            #expect(response.status == 401)
            #expect(response.jsonObject?["message"] as? String == "Bad credentials")
            #expect(try await standIn.stats().charged == 0)
        }
    }

    @Test("Bearer tokens are accepted")
    func bearer() async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/repos/octo/app", headers: [("Authorization", "Bearer ghp_x")])
            #expect(response.status == 200)
            #expect(response.header("x-ratelimit-limit") == "5000")
        }
    }
}
