import CacheCore
import Foundation
import TestSupport
import Testing

/// The local endpoint driven by the real clients fleet software uses: Debian's `gh` through the unix socket,
/// PyGithub through the TCP listener, curl both ways. Every count comes from the stand-in's own counters.
@Suite("Local endpoint with real clients", .serialized)
struct ClientTests {
    static let issuesRepo = "octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe"
    static let issuesPath = "/repos/\(issuesRepo)/issues"

    @Test("curl through the socket: a miss, then a hit with the same bytes; the socket is mode 0600")
    func curlSocket() async throws {
        try await EndpointWorld.with { world in
            var status = stat()
            try #require(lstat(world.socketPath, &status) == 0)
            #expect(status.st_mode & S_IFMT == S_IFSOCK)
            #expect(status.st_mode & 0o777 == 0o600, "api.sock mode is \(String(status.st_mode & 0o777, radix: 8))")

            let first = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            let second = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(first.status == 200 && second.status == 200)
            #expect(first.outcome == "miss")
            #expect(second.outcome == "hit-local")
            #expect(first.body == second.body)
            #expect(world.charged("/repos/octo/hello") == 1)
            // The headers clients read; live rate-limit headers only on the answer that went upstream.
            #expect(first.headers["etag"] != nil && first.headers["etag"] == second.headers["etag"])
            #expect(first.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(first.headers["x-github-request-id"] != nil)
            #expect(first.headers["x-ratelimit-remaining"] != nil)
            #expect(second.headers["x-ratelimit-remaining"] == nil)
            // On the socket nothing is rewritten: the body is the stand-in's.
            let repo = try #require(first.json as? [String: Any])
            #expect((repo["url"] as? String) == "\(world.baseURL)/repos/octo/hello")

            // The client's own If-None-Match gets a 304 from the cache, at no cost.
            let etag = try #require(first.headers["etag"])
            let conditional = try await world.curlSocket(
                "/repos/octo/hello", EndpointWorld.auth + ["-H", "If-None-Match: \(etag)"])
            #expect(conditional.status == 304)
            #expect(conditional.body.isEmpty)
            #expect(world.charged("/repos/octo/hello") == 1)
        }
    }

    @Test("curl over TCP: Link, url and *_url name the listener, with and without /api/v3; HEAD has no body")
    func curlTCP() async throws {
        try await EndpointWorld.with { world in
            for prefix in ["", "/api/v3"] {
                let page = try await world.curlTCP(
                    "\(prefix)\(Self.issuesPath)?per_page=5", EndpointWorld.auth)
                #expect(page.status == 200)
                let link = try #require(page.headers["link"])
                #expect(link.contains("<\(world.origin)\(prefix)\(Self.issuesPath)?"), "Link: \(link)")
                #expect(!link.contains(world.baseURL))
                let issues = try #require(page.json as? [[String: Any]])
                #expect(issues.count == 5)
                for issue in issues {
                    #expect((issue["url"] as? String)?.hasPrefix("\(world.origin)\(prefix)/repos/") == true)
                    #expect((issue["comments_url"] as? String)?.hasPrefix("\(world.origin)\(prefix)/") == true)
                    // Web URLs are not the API's: left alone.
                    #expect((issue["html_url"] as? String)?.hasPrefix("https://github.com/") == true)
                }
                #expect(!page.text.contains(world.baseURL))
            }
            // Both spellings are one cache entry: the second was a hit.
            #expect(world.charged("\(Self.issuesPath)?per_page=5") == 1)

            let head = try await world.curlTCP("/repos/octo/hello", EndpointWorld.auth + ["-I", "-o", "/dev/null"])
            let get = try await world.curlTCP("/repos/octo/hello", EndpointWorld.auth)
            #expect(head.status == 200)
            #expect(head.outcome == "miss")
            #expect(get.outcome == "hit-local")
            #expect(head.headers["content-length"] == String(get.body.count))
            #expect(world.charged("/repos/octo/hello") == 1)
        }
    }

    @Test("no token: relayed to GitHub unauthenticated, never answered from a token's entry; empty token gets the 401")
    func noToken() async throws {
        try await EndpointWorld.with { world in
            let withToken = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(withToken.outcome == "miss")
            for attempt in 1...2 {
                let anonymous = try await world.curlSocket("/repos/octo/hello")
                #expect(anonymous.status == 200)
                #expect(anonymous.outcome == "pass")
                // The stand-in's unauthenticated budget (60 per hour), live: it was asked each time.
                #expect(anonymous.headers["x-ratelimit-limit"] == "60")
                #expect(world.charged("/repos/octo/hello") == 1 + attempt)
            }
            let direct = try await world.curl(
                ["-D", "-", "-H", "Authorization: token ", "\(world.baseURL)/repos/octo/hello"])
            let viaSocket = try await world.curlSocket("/repos/octo/hello", ["-H", "Authorization: token "])
            let viaTCP = try await world.curlTCP("/repos/octo/hello", ["-H", "Authorization: token "])
            let expected = try HTTPAnswer(direct)
            #expect(expected.status == 401)
            for answer in [viaSocket, viaTCP] {
                #expect(answer.status == 401)
                #expect(answer.body == expected.body)
                #expect(answer.outcome == "pass")
            }
        }
    }

    @Test("gh through the socket: two gh api calls cost one API call")
    func ghTwoCallsOneAPICall() async throws {
        try await EndpointWorld.with { world in
            let config = try await world.ghConfig()
            let first = try await world.gh(["api", "repos/octo/hello"], configDir: config)
            let second = try await world.gh(["api", "repos/octo/hello"], configDir: config)
            #expect(first.status == 0, "gh failed: \(first.stderr)")
            #expect(second.status == 0, "gh failed: \(second.stderr)")
            #expect(first.stdout == second.stdout)
            let repo = try #require(try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any])
            #expect(repo["full_name"] as? String == "octo/hello")
            #expect(world.charged("/repos/octo/hello") == 1)
            #expect(world.received("/repos/octo/hello") == 1)
        }
    }

    @Test("gh api --paginate through the socket sees every item")
    func ghPaginate() async throws {
        try await EndpointWorld.with { world in
            let config = try await world.ghConfig()
            let result = try await world.gh(
                ["api", "--paginate", "\(Self.issuesPath.dropFirst())?per_page=5", "--jq", ".[].number"],
                configDir: config)
            #expect(result.status == 0, "gh failed: \(result.stderr)")
            let numbers = result.text.split(separator: "\n").compactMap { Int($0) }
            // The recorded list: 13 issues, newest first, on three pages of five.
            let direct = try await world.curl(["\(world.baseURL)\(Self.issuesPath)?per_page=100"])
            let all = try #require(try JSONSerialization.jsonObject(with: direct.stdout) as? [[String: Any]])
            #expect(all.count == 13)
            #expect(numbers == all.compactMap { $0["number"] as? Int })
        }
    }

    @Test("gh api POST and a graphql mutation reach the stand-in once, their status and body come back unchanged")
    func ghWrites() async throws {
        try await EndpointWorld.with { world in
            let config = try await world.ghConfig()
            let post = try await world.gh(
                ["api", "-i", "-X", "POST", "repos/octo/hello/issues", "-f", "title=from gh"], configDir: config)
            // The stand-in answers writes 404 (it has none); gh must see exactly that.
            #expect(post.status != 0)
            #expect(post.text.hasPrefix("HTTP/1.1 404 Not Found"), "gh printed: \(post.text)")
            #expect(post.text.contains(#""message":"Not Found""#))
            #expect(post.text.contains("X-Ghcache: pass"))
            #expect(world.received("/repos/octo/hello/issues") == 1)

            let graphql = try await world.gh(
                [
                    "api", "-i", "graphql", "-f",
                    "query=mutation { addStar(input: {starrableId: \"x\"}) { clientMutationId } }",
                ],
                configDir: config)
            #expect(graphql.text.hasPrefix("HTTP/1.1 200 OK"), "gh printed: \(graphql.text)")
            #expect(graphql.text.contains("X-Ghcache: pass"))
            #expect(world.received("/graphql") == 1)
            // Nothing of either was cached.
            let store = try CacheStore.open(directory: world.cacheDir, mode: .readOnly)
            #expect(try store.size().entries == 0)
            #expect(try store.graphQLCount() == 0)
        }
    }

    @Test("PyGithub over TCP: walking a paginated list twice costs one call per page; url fields lead back")
    func pyGithub() async throws {
        try await EndpointWorld.with { world in
            let script = TestPaths.packageRoot.appendingPathComponent("Tests/Python/pygithub_walk.py").path
            let result = try await Tool.run(
                try TestPaths.python().path, [script, world.origin, EndpointWorld.token, Self.issuesRepo, "2"],
                env: ["HOME": world.environment.root], timeout: 60)
            try #require(result.status == 0, "PyGithub failed: \(result.stderr)")
            let output = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            let walks = try #require(output["numbers"] as? [[Int]])
            #expect(walks.count == 2)
            #expect(walks[0].count == 13)
            #expect(walks[0] == walks[1])
            let urls = try #require(output["urls"] as? [String])
            #expect(urls.count == 26)
            #expect(urls.allSatisfy { $0.hasPrefix("\(world.origin)/repos/\(Self.issuesRepo)/issues/") })
            #expect((output["repo_url"] as? String) == "\(world.origin)/repos/\(Self.issuesRepo)")
            #expect((output["owner_url"] as? String)?.hasPrefix("\(world.origin)/users/") == true)
            // Three pages, each fetched from the stand-in once for both walks.
            let stats = world.server.stats()
            let pages = stats.byPath.filter { $0.key.hasPrefix(Self.issuesPath) }
            #expect(pages.count == 3, "pages fetched: \(pages.keys.sorted())")
            #expect(pages.values.allSatisfy { $0.charged == 1 }, "\(pages)")
            #expect(world.charged("/repos/\(Self.issuesRepo)") == 1)
        }
    }
}
