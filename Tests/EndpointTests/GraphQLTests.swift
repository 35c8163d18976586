import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// GraphQL through the local endpoint with real clients (curl, Debian's `gh`, `ghcache-get graphql`) against the
/// stand-in, whose answers name the viewer (the token): an answer served to the wrong token would show.
@Suite("GraphQL through the local endpoint", .serialized)
struct GraphQLTests {
    static let viewerQuery = #"{"query":"query Me { viewer { login } rateLimit { cost remaining } }"}"#
    static let otherToken = "second-token"

    static func post(_ body: String, token: String = EndpointWorld.token, _ extra: [String] = []) -> [String] {
        [
            "-X", "POST", "-H", "Authorization: bearer \(token)", "-H", "Content-Type: application/json",
            "--data-binary",
            body,
        ] + extra
    }

    static func login(_ answer: HTTPAnswer) -> String? {
        let object = answer.json as? [String: Any]
        return ((object?["data"] as? [String: Any])?["viewer"] as? [String: Any])?["login"] as? String
    }

    @Test("curl: a query twice costs one call; another token gets its own answer; /api/graphql and TCP too")
    func curlQueries() async throws {
        try await EndpointWorld.with { world in
            let first = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            let second = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            #expect(first.status == 200 && second.status == 200)
            #expect(first.outcome == "miss", "\(first.headers)")
            #expect(second.outcome == "hit-local")
            #expect(first.body == second.body)
            #expect(Self.login(first) == StandInViewer.login(token: EndpointWorld.token))
            #expect(first.headers["x-ratelimit-resource"] == "graphql")
            #expect(second.headers["age"] != nil)
            #expect(world.received("/graphql") == 1)

            // The same query written differently (comments, commas, white space) is the same query.
            let respelled = try await world.curlSocket(
                "/graphql",
                Self.post(
                    ##"{"query":"# who am I\nquery Me {\n  viewer { login },\n  rateLimit { cost, remaining }\n}"}"##))
            #expect(respelled.outcome == "hit-local")
            #expect(world.received("/graphql") == 1)

            // Another token never receives the first token's answer.
            let other = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery, token: Self.otherToken))
            #expect(other.outcome == "miss")
            #expect(Self.login(other) == StandInViewer.login(token: Self.otherToken))
            #expect(world.received("/graphql") == 2)
            let otherAgain = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery, token: Self.otherToken))
            #expect(otherAgain.outcome == "hit-local")
            #expect(Self.login(otherAgain) == StandInViewer.login(token: Self.otherToken))
            let firstAgain = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            #expect(Self.login(firstAgain) == StandInViewer.login(token: EndpointWorld.token))
            #expect(world.received("/graphql") == 2)

            // No token: relayed, never cached (the stand-in answers 401 as GitHub does).
            let anonymous = try await world.curlSocket(
                "/graphql", ["-X", "POST", "--data-binary", Self.viewerQuery])
            #expect(anonymous.status == 401 && anonymous.outcome == "pass")

            // The Enterprise path and the TCP listener share the cache; no-cache asks again; X-GHCache-TTL: 0 is
            // asked and not kept.
            let enterprise = try await world.curlTCP("/api/graphql", Self.post(Self.viewerQuery))
            #expect(enterprise.outcome == "hit-local")
            let refreshed = try await world.curlSocket(
                "/graphql", Self.post(Self.viewerQuery, ["-H", "Cache-Control: no-cache"]))
            #expect(refreshed.outcome == "miss")
            #expect(world.received("/graphql") == 4)
            let uncached = #"{"query":"query Me2 { viewer { login } }"}"#
            for _ in 0..<2 {
                let answer = try await world.curlSocket("/graphql", Self.post(uncached, ["-H", "X-GHCache-TTL: 0"]))
                #expect(answer.outcome == "miss")
            }
            #expect(world.received("/graphql") == 6)
            let badTTL = try await world.curlSocket("/graphql", Self.post(uncached, ["-H", "X-GHCache-TTL: soon"]))
            #expect(badTTL.status == 400)
        }
    }

    @Test("mutations and answers with errors are never cached; points saved reach stats and /metrics")
    func neverCached() async throws {
        try await EndpointWorld.with { world in
            let mutation = #"{"query":"mutation { addStar(input: {starrableId: \"R_1\"}) { clientMutationId } }"}"#
            var ids: [String] = []
            for _ in 0..<2 {
                let answer = try await world.curlSocket("/graphql", Self.post(mutation))
                #expect(answer.status == 200 && answer.outcome == "pass")
                ids.append(answer.text)
            }
            #expect(ids[0] != ids[1], "each mutation ran: \(ids)")
            #expect(world.received("/graphql") == 2)
            // A document with a query and a mutation is not certainly a query either.
            let mixed = #"{"query":"query A { viewer { login } } mutation B { x }","operationName":"A"}"#
            #expect(try await world.curlSocket("/graphql", Self.post(mixed)).outcome == "pass")
            #expect(try await world.curlSocket("/graphql", Self.post(mixed)).outcome == "pass")
            #expect(world.received("/graphql") == 4)

            // A hit, so that points are saved.
            _ = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            _ = try await world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            #expect(world.received("/graphql") == 5)

            // A spent GraphQL budget: 200 with errors RATE_LIMITED, never cached.
            _ = try world.server.addFault(FaultSpec(pathPrefix: "/graphql", kind: .primary, count: 1, retryAfter: 600))
            let limited = #"{"query":"query Other { viewer { login } }"}"#
            for _ in 0..<2 {
                let answer = try await world.curlSocket("/graphql", Self.post(limited))
                #expect(answer.status == 200 && answer.outcome == "miss")
                #expect(answer.text.contains("RATE_LIMITED"))
            }
            #expect(world.received("/graphql") == 7)

            let stats = try await world.environment.run(
                "ghcache-stats", ["--json"], env: ["CACHE_ENABLE_P2P": "false"])
            let json = try #require(stats.json as? [String: Any], "\(stats.stderr)")
            let graphql = try #require(json["graphql"] as? [String: Any])
            #expect(graphql["hits"] as? Int == 1)
            #expect(graphql["misses"] as? Int == 3)
            #expect(graphql["passed"] as? Int == 4)
            #expect(graphql["points_saved"] as? Int == 1, "the stand-in reports cost 1")
            #expect(graphql["entries"] as? Int == 1)
            let limit = try #require(graphql["rate_limit"] as? [String: Any])
            #expect(limit["remaining"] as? Int == 0)
            // REST's rate limit is not GraphQL's.
            #expect((json["rate_limit"] as? [String: Any])?["remaining"] is NSNull)
            let table = try await world.environment.run("ghcache-stats", [], env: ["CACHE_ENABLE_P2P": "false"])
            #expect(table.stdoutText.contains("hits 1, misses 3, passed 4, points saved 1"), "\(table.stdoutText)")

            let metrics = try await world.curlSocket("/metrics")
            #expect(metrics.text.contains("ghcache_graphql_points_saved_total 1"), "\(metrics.text)")
            #expect(metrics.text.contains(#"ghcache_graphql_requests_total{outcome="hit"} 1"#))
            #expect(metrics.text.contains(#"ghcache_graphql_requests_total{outcome="miss"} 3"#))
            #expect(metrics.text.contains(#"ghcache_rate_limit_remaining{resource="graphql"} 0"#))
        }
    }

    @Test("concurrent identical queries of one token cost one call; another token's twin is not joined")
    func concurrentQueries() async throws {
        try await EndpointWorld.with { world in
            _ = try world.server.addFault(FaultSpec(pathPrefix: "/graphql", kind: .latency, count: 2, ms: 1500))
            async let first = world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            try await Task.sleep(for: .milliseconds(300))
            async let second = world.curlSocket("/graphql", Self.post(Self.viewerQuery))
            async let other = world.curlSocket("/graphql", Self.post(Self.viewerQuery, token: Self.otherToken))
            let answers = try await [first, second, other]
            #expect(answers[0].outcome == "miss" && answers[1].outcome == "hit-local", "\(answers.map(\.outcome))")
            #expect(answers[0].body == answers[1].body)
            #expect(answers[1].headers["x-ratelimit-remaining"] == nil)
            #expect(answers[2].outcome == "miss")
            #expect(Self.login(answers[2]) == StandInViewer.login(token: Self.otherToken))
            #expect(world.received("/graphql") == 2)
        }
    }

    @Test("gh api graphql through the socket twice: one upstream call")
    func ghAPIGraphQL() async throws {
        try await EndpointWorld.with { world in
            let config = try await world.ghConfig()
            var outputs: [String] = []
            for _ in 0..<2 {
                let result = try await world.gh(
                    ["api", "graphql", "-f", "query=query { viewer { login } }"], configDir: config)
                #expect(result.status == 0, "gh failed: \(result.stderr)")
                outputs.append(result.text)
            }
            #expect(outputs[0] == outputs[1])
            #expect(outputs[0].contains(StandInViewer.login(token: EndpointWorld.token)))
            #expect(world.received("/graphql") == 1)
            // A mutation through gh: relayed every time.
            for _ in 0..<2 {
                let result = try await world.gh(
                    [
                        "api", "graphql", "-f",
                        "query=mutation { addStar(input: {starrableId: \"x\"}) { clientMutationId } }",
                    ],
                    configDir: config)
                #expect(result.status == 0, "gh failed: \(result.stderr)")
            }
            #expect(world.received("/graphql") == 3)
        }
    }

    @Test("gh pr list and gh repo view, each run twice: the second run costs no GraphQL call")
    func ghCommands() async throws {
        try await EndpointWorld.with { world in
            let config = try await world.ghConfig()
            // gh pr list sends one query (PullRequestList, with a fragment, variables, GraphQL-Features and preview
            // Accept headers; traced with GH_DEBUG=api).
            var results: [ToolResult] = []
            for _ in 0..<2 {
                results.append(try await world.gh(["pr", "list", "-R", "octo/hello"], configDir: config))
            }
            #expect(results[0].status == 0, "gh pr list failed: \(results[0].stderr)")
            #expect(results[1].status == 0 && results[0].text == results[1].text)
            #expect(world.received("/graphql") == 1, "the second gh pr list costs no GraphQL call")

            // gh repo view: one GraphQL query (then a REST readme, a 404 here, which is never cached).
            var views: [ToolResult] = []
            for _ in 0..<2 {
                views.append(try await world.gh(["repo", "view", "octo/hello"], configDir: config))
            }
            #expect(views[0].status == 0, "gh repo view failed: \(views[0].stderr)")
            #expect(views[0].text.contains("octo/hello"), "\(views[0].text)")
            #expect(views[1].text == views[0].text)
            #expect(world.received("/graphql") == 2, "the second gh repo view costs no GraphQL call")
        }
    }

    @Test("ghcache-get graphql: typed variables, one call for two runs, errors exit 1 and are not kept")
    func ghcacheGetGraphQL() async throws {
        try await EndpointWorld.with { world in
            let arguments = [
                "graphql", "-F", "owner=octo", "-f", "name=hello", "-F", "first=5",
                "-f",
                "query=query($owner: String!, $name: String!, $first: Int) { repository(owner: $owner, name: $name) "
                    + "{ nameWithOwner } viewer { login } rateLimit { cost } }",
            ]
            let first = try await world.ghcacheGet(arguments + ["--verbose"])
            #expect(first.status == 0, "\(first.stderr)")
            let data = try #require((first.json as? [String: Any])?["data"] as? [String: Any], "\(first.stdoutText)")
            #expect((data["repository"] as? [String: Any])?["nameWithOwner"] as? String == "octo/hello")
            #expect(
                (data["viewer"] as? [String: Any])?["login"] as? String
                    == StandInViewer.login(token: EndpointWorld.token))
            #expect(first.stderr.contains("graphql: miss"))
            let second = try await world.ghcacheGet(arguments + ["--verbose"])
            #expect(second.stdout == first.stdout)
            #expect(second.stderr.contains("graphql: hit-local"), "\(second.stderr)")
            #expect(world.received("/graphql") == 1)
            // The endpoint serves the same answer to the same token (one cache for both).
            // Another token through ghcache-get: its own answer.
            let other = try await world.ghcacheGet(arguments, env: ["GITHUB_TOKEN": Self.otherToken])
            #expect(other.stdoutText.contains(StandInViewer.login(token: Self.otherToken)))
            #expect(world.received("/graphql") == 2)

            _ = try world.server.addFault(FaultSpec(pathPrefix: "/graphql", kind: .primary, count: 1, retryAfter: 600))
            let limited = try await world.ghcacheGet(["graphql", "-f", "query={ viewer { id } }"])
            #expect(limited.status == 1)
            #expect(limited.stdoutText.contains("RATE_LIMITED"))
            #expect(limited.stderr.contains("errors"))
            let usage = try await world.ghcacheGet(["graphql", "-f", "name=x"])
            #expect(usage.status == 2, "\(usage.stderr)")
        }
    }
}
