import AsyncHTTPClient
import Foundation
import GitHubStandIn
import NIOCore
import Testing

@Suite("Fault injection and the control API")
struct FaultInjectionTests {
    @Test("status: a GitHub-like error for count requests, not charged, then normal answers")
    func statusFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/repos/octo/app","kind":"status","status":502,"count":2}"#)
            for _ in 0..<2 {
                let response = try await standIn.request("/repos/octo/app/actions/runs", token: "alpha")
                #expect(response.status == 502)
                #expect(response.jsonObject?["message"] as? String == "Bad Gateway")
                #expect(response.remaining == 5000)
            }
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
            #expect(try await standIn.request("/repos/other/app", token: "alpha").status == 200)
            let stats = try await standIn.stats()
            #expect(stats.notCharged == 2)
            #expect(stats.charged == 2)
        }
    }

    @Test("secondary: 403 or 429 with Retry-After and the recorded message; remaining unchanged")
    func secondaryFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/repos","kind":"secondary","retry_after":7}"#)
            try await standIn.addFault(#"{"path_prefix":"/repos","kind":"secondary","status":429}"#)
            let forbidden = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(forbidden.status == 403)
            #expect(forbidden.header("Retry-After") == "7")
            #expect(forbidden.remaining == 5000)
            let message = try #require(forbidden.jsonObject?["message"] as? String)
            #expect(message.contains("secondary rate limit"))
            let tooMany = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(tooMany.status == 429)
            #expect(tooMany.header("Retry-After") == "60")
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
        }
    }

    @Test("primary: the caller's budget is spent until retry_after; other tokens are unaffected")
    func primaryFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/users","kind":"primary","retry_after":2}"#)
            let limited = try await standIn.request("/users/octocat/repos", token: "alpha")
            #expect(limited.status == 403)
            #expect(limited.remaining == 0)
            let reset = try #require(limited.header("x-ratelimit-reset").flatMap { Int($0) })
            #expect(reset <= Int(Date().timeIntervalSince1970) + 3)
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 403)
            #expect(try await standIn.request("/repos/octo/app", token: "beta").status == 200)
            // Poll (bounded) until the reset time passes and the budget refills.
            var refilled = false
            for _ in 0..<80 where !refilled {
                try await Task.sleep(for: .milliseconds(100))
                refilled = try await standIn.request("/repos/octo/app", token: "alpha").status == 200
            }
            #expect(refilled)
        }
    }

    @Test("hang: the request is never answered (client times out); with ms it is answered late")
    func hangFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/repos/octo/app","kind":"hang"}"#)
            await #expect(throws: (any Error).self) {
                _ = try await standIn.request("/repos/octo/app", token: "alpha", timeout: .milliseconds(300))
            }
            try await standIn.addFault(#"{"path_prefix":"/repos/octo/app","kind":"hang","ms":200}"#)
            let start = ContinuousClock.now
            let late = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(late.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
            let stats = try await standIn.stats()
            #expect(stats.counts(for: "/repos/octo/app").notCharged == 1)
            #expect(stats.counts(for: "/repos/octo/app").charged == 1)
        }
    }

    @Test("latency: the normal answer, at least ms later; count -1 applies until reset")
    func latencyFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/","kind":"latency","ms":150,"count":-1}"#)
            for _ in 0..<2 {
                let start = ContinuousClock.now
                #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
                #expect(ContinuousClock.now - start >= .milliseconds(150))
            }
            let listed = try await standIn.request("/_standin/faults")
            #expect((listed.json as? [Any])?.count == 1)
            #expect(try await standIn.request("/_standin/reset", method: .POST).status == 200)
            #expect((try await standIn.request("/_standin/faults").json as? [Any])?.isEmpty == true)
        }
    }

    @Test("Configured latency delays API answers but not control calls")
    func configuredLatency() async throws {
        try await StandInHarness.with(StandInConfiguration(latency: .milliseconds(200))) { standIn in
            let start = ContinuousClock.now
            _ = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(ContinuousClock.now - start >= .milliseconds(200))
        }
    }

    @Test("reset: the connection is closed without an answer; the next request is served")
    func resetFault() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(#"{"path_prefix":"/repos/octo/app","kind":"reset"}"#)
            await #expect(throws: (any Error).self) {
                _ = try await standIn.request("/repos/octo/app", token: "alpha")
            }
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
            #expect(try await standIn.stats().total == 2)
        }
    }

    @Test("Faults match the URI with its query, oldest first")
    func matchingByQuery() async throws {
        try await StandInHarness.with { standIn in
            try await standIn.addFault(
                #"{"path_prefix":"/repos/octo/app/actions/runs?status=queued","kind":"status","status":503}"#)
            #expect(try await standIn.request("/repos/octo/app/actions/runs", token: "alpha").status == 200)
            #expect(
                try await standIn.request("/repos/octo/app/actions/runs?status=queued", token: "alpha").status == 503)
        }
    }

    @Test(
        "Bad control requests get 400 with a message naming the problem",
        arguments: [
            (#"{"path_prefix":"/x","kind":"bogus"}"#, "kind"),
            (#"{"kind":"hang"}"#, "path_prefix"),
            (#"{"path_prefix":"/x","kind":"latency"}"#, "ms"),
            (#"{"path_prefix":"/x","kind":"status","status":200}"#, "status"),
            (#"{"path_prefix":"/x","kind":"hang","count":0}"#, "count"),
            ("not json", "not JSON"),
        ])
    func badControlRequests(body: String, mentions: String) async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/_standin/faults", method: .POST, body: body)
            #expect(response.status == 400)
            let message = try #require(response.jsonObject?["message"] as? String)
            #expect(message.contains(mentions))
            #expect(try await standIn.request("/_standin/stats", method: .POST).status == 405)
            #expect(try await standIn.request("/_standin/nothing").status == 404)
        }
    }

    @Test("Stats count every API request by URI, and reset clears counters, budgets and mutations")
    func statsAndReset() async throws {
        try await StandInHarness.with { standIn in
            _ = try await standIn.request("/repos/octo/app", token: "alpha")
            _ = try await standIn.request("/repos/octo/app?x=1", token: "alpha")
            _ = try await standIn.request("/rate_limit", token: "alpha")
            _ = try await standIn.request("/rate_limit")
            _ = try await standIn.request("/_standin/faults")
            let raw = try await standIn.request("/_standin/stats")
            let json = try #require(raw.jsonObject)
            #expect(Set(json.keys) == ["charged", "not_charged", "total", "anonymous", "by_path"])
            let stats = try await standIn.stats()
            #expect(stats.total == 4)
            #expect(stats.anonymous == 1, "only the request without Authorization")
            #expect(stats.charged == 2)
            #expect(stats.counts(for: "/repos/octo/app?x=1").charged == 1)
            #expect(stats.counts(for: "/rate_limit").notCharged == 2)
            #expect(standIn.server.stats() == stats)

            let before = try await standIn.request("/repos/octo/app", token: "alpha")
            try standIn.server.mutate(path: "/repos/octo/app")
            _ = try await standIn.request("/_standin/reset", method: .POST)
            #expect(try await standIn.stats() == StandInStats())
            let after = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(after.remaining == 4999)
            #expect(after.header("ETag") == before.header("ETag"))
        }
    }
}
