import CacheCore
import Foundation
import HTTPTypes
import Testing

@testable import LocalEndpoint

/// The endpoint's pure parts: URL rewriting on TCP, routes, tokens, conditional requests, cache options and
/// which paths a write invalidates.
@Suite("Local endpoint: rewriting and routing")
struct RewritingTests {
    let rewriter = OriginRewriter(upstream: "http://127.0.0.1:5000/", local: "http://127.0.0.1:8787")

    @Test("url and *_url values under the upstream base are rewritten, nothing else, bytes kept")
    func json() throws {
        let body = #"""
            {"url": "http://127.0.0.1:5000/repos/o/r","html_url":"https://github.com/o/r",
             "comments_url":"http://127.0.0.1:5000/repos/o/r/comments{/number}", "name":"http://127.0.0.1:5000/x",
             "owner":{"url":"http://127.0.0.1:5000"},"other_url":"http://127.0.0.1:50001/a","list":["url","x"],
             "esc\"url":"http://127.0.0.1:5000/no","n":1.50,"avatar_url":"http://127.0.0.1:5000?x"}
            """#
        let rewritten = try #require(rewriter.json(Data(body.utf8)))
        let expected = #"""
            {"url": "http://127.0.0.1:8787/repos/o/r","html_url":"https://github.com/o/r",
             "comments_url":"http://127.0.0.1:8787/repos/o/r/comments{/number}", "name":"http://127.0.0.1:5000/x",
             "owner":{"url":"http://127.0.0.1:8787"},"other_url":"http://127.0.0.1:50001/a","list":["url","x"],
             "esc\"url":"http://127.0.0.1:5000/no","n":1.50,"avatar_url":"http://127.0.0.1:8787?x"}
            """#
        #expect(String(decoding: rewritten, as: UTF8.self) == expected)
        #expect(rewriter.json(Data(#"{"html_url":"https://github.com/"}"#.utf8)) == nil)
        #expect(rewriter.json(Data("not json \"at all".utf8)) == nil)
        #expect(rewriter.json(Data()) == nil)
    }

    @Test("Link and Location")
    func headers() {
        let link =
            #"<http://127.0.0.1:5000/repos/o/r/issues?page=2>; rel="next", <http://127.0.0.1:5000/repos/o/r/issues?page=3>; rel="last""#
        #expect(
            rewriter.link(link)
                == #"<http://127.0.0.1:8787/repos/o/r/issues?page=2>; rel="next", <http://127.0.0.1:8787/repos/o/r/issues?page=3>; rel="last""#
        )
        #expect(rewriter.link("<https://elsewhere/x>; rel=\"next\"") == "<https://elsewhere/x>; rel=\"next\"")
        #expect(rewriter.url("http://127.0.0.1:5000/repositories/1") == "http://127.0.0.1:8787/repositories/1")
        #expect(rewriter.url("http://127.0.0.1:50000/x") == "http://127.0.0.1:50000/x")
        let enterprise = OriginRewriter(upstream: "https://ghe.example/api/v3", local: "http://127.0.0.1:1/api/v3")
        #expect(enterprise.url("https://ghe.example/api/v3/repos/o/r") == "http://127.0.0.1:1/api/v3/repos/o/r")
    }

    @Test("routes: GitHub.com and Enterprise paths, GraphQL, absolute form; bad targets refused")
    func routes() throws {
        let plain = try Route(target: "/repos/o/r?per_page=5")
        #expect(plain.path == "/repos/o/r" && plain.query == "per_page=5" && !plain.enterprisePrefix)
        let prefixed = try Route(target: "/api/v3/repos/o/r")
        #expect(prefixed.path == "/repos/o/r" && prefixed.enterprisePrefix && !prefixed.isGraphQL)
        #expect(try Route(target: "/api/v3").path == "/")
        #expect(try Route(target: "/api/v3x/y").path == "/api/v3x/y")
        #expect(try Route(target: "/graphql").isGraphQL)
        #expect(try Route(target: "/api/graphql").isGraphQL)
        #expect(try Route(target: "http://api.github.com/repos/o/r").path == "/repos/o/r")
        #expect(try Route(target: "/repos/o/r").upstreamURL(base: "http://h:1/") == "http://h:1/repos/o/r")
        #expect(
            try Route(target: "/graphql").upstreamURL(base: "https://api.github.com")
                == "https://api.github.com/graphql")
        #expect(try Route(target: "/api/graphql").upstreamURL(base: "https://ghe/api/v3") == "https://ghe/api/graphql")
        for bad in ["*", "repos/o/r", "/a b", "/\u{7F}", "/" + String(repeating: "a", count: 9000)] {
            #expect(throws: Route.Invalid.self, "\(bad)") { try Route(target: bad) }
        }
    }

    @Test("tokens: token and Bearer; anything else means no token")
    func tokens() {
        #expect(EndpointCore.token("token abc") == "abc")
        #expect(EndpointCore.token("Bearer  ghp_x ") == "ghp_x")
        #expect(EndpointCore.token("BEARER y") == "y")
        for none in [nil, "", "token", "token ", "Basic dXNlcjpwYXNz", "token a b", "tokenabc"] {
            #expect(EndpointCore.token(none) == nil, "\(none ?? "nil")")
        }
    }

    @Test("If-None-Match: weak comparison, lists and *")
    func conditional() {
        #expect(EndpointCore.matches(ifNoneMatch: #"W/"abc""#, etag: #"W/"abc""#))
        #expect(EndpointCore.matches(ifNoneMatch: #""abc""#, etag: #"W/"abc""#))
        #expect(EndpointCore.matches(ifNoneMatch: #""x", W/"abc""#, etag: #"W/"abc""#))
        #expect(EndpointCore.matches(ifNoneMatch: "*", etag: #""abc""#))
        #expect(!EndpointCore.matches(ifNoneMatch: #""abd""#, etag: #""abc""#))
    }

    @Test("Cache-Control and X-GHCache-TTL map to ghcache-get's options")
    func options() throws {
        func parse(_ fields: [(String, String)]) -> Result<LookupOptions, GHCacheError> {
            let headers = Dictionary(fields.map { ($0.0.lowercased(), $0.1) }) { $1 }
            return EndpointContract.lookupOptions(
                cacheControl: headers["cache-control"], ttl: headers["x-ghcache-ttl"], maxStale: 86400)
        }
        #expect(try parse([]).get() == LookupOptions(maxStale: 86400))
        #expect(try parse([("Cache-Control", "no-cache")]).get().noCache)
        #expect(try parse([("Cache-Control", "only-if-cached")]).get().offline)
        #expect(try parse([("Cache-Control", "max-age=0, max-stale=60")]).get().maxStale == 60)
        #expect(try parse([("X-GHCache-TTL", "30")]).get().ttlOverride == 30)
        for bad in [
            [("Cache-Control", "max-stale=soon")], [("X-GHCache-TTL", "-1")], [("X-GHCache-TTL", "5m")],
            [("Cache-Control", "no-cache, only-if-cached")],
        ] {
            #expect(throws: GHCacheError.self) { try parse(bad).get() }
        }
        // What ghcache-get sends (EndpointContract.requestHeaders) is read back as the same options.
        for options in [
            LookupOptions(maxStale: 0), LookupOptions(ttlOverride: 0, noCache: true, maxStale: 60),
            LookupOptions(ttlOverride: EndpointContract.maxTTL, offline: true, maxStale: 86400 * 365),
        ] {
            #expect(try parse(EndpointContract.requestHeaders(options, ttl: options.ttlOverride)).get() == options)
        }
    }

    @Test("a failed lookup's message and kind survive the trip back to ghcache-get")
    func failures() {
        for status in ExitStatus.allCases where status != .ok {
            let error = GHCacheError("line one\nnaïve 100% — \"quoted\"", exitStatus: status)
            let headers = Dictionary(EndpointContract.errorHeaders(error).map { ($0.0.lowercased(), $0.1) }) { $1 }
            #expect(headers.values.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
            #expect(EndpointContract.error(fromHeaders: { headers[$0.lowercased()] }) == error)
        }
        #expect(EndpointContract.error(fromHeaders: { _ in nil }) == nil)
    }

    @Test("a write invalidates the written path and its parent")
    func invalidatedPaths() {
        let base = URL(string: "https://api.github.com")!
        #expect(WriteInvalidation.paths(writtenPath: "/repos/o/r", apiBase: base) == ["/repos/o/r", "/repos/o"])
        #expect(
            WriteInvalidation.paths(writtenPath: "/repos/o/r/issues/5/", apiBase: base)
                == ["/repos/o/r/issues/5", "/repos/o/r/issues"])
        #expect(WriteInvalidation.paths(writtenPath: "/user", apiBase: base) == ["/user"])
    }
}
