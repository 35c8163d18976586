import Foundation
import Testing

@testable import CacheCore

@Suite("Cache keys and URL normalisation")
struct RequestTargetTests {
    @Test("query parameters are sorted, so order does not change the key")
    func sortedQuery() throws {
        let a = try target("/repos/o/r/actions/runs?status=queued&per_page=100")
        let b = try target("repos/o/r/actions/runs?per_page=100&status=queued")
        #expect(a.pathAndQuery == "/repos/o/r/actions/runs?per_page=100&status=queued")
        #expect(a.key == b.key)
        #expect(a.key.count == 64 && a.key.allSatisfy(\.isHexDigit))
    }

    @Test("Accept and the API version are part of the key; the path too")
    func keyMaterial() throws {
        let json = try target("/repos/o/r")
        let raw = try target("/repos/o/r", accept: "application/vnd.github.raw")
        let otherVersion = try RequestTarget("/repos/o/r", apiVersion: "2026-03-10", apiBase: testAPIBase)
        #expect(json.key != raw.key)
        #expect(json.key != otherVersion.key)
        #expect(json.key != (try target("/repos/o/r2")).key)
        #expect(
            json.key
                == RequestTarget.key(
                    method: "GET", url: "/repos/o/r", accept: RequestTarget.defaultAccept,
                    apiVersion: RequestTarget.defaultAPIVersion))
    }

    @Test("a full URL under the API base becomes a path; another host is refused")
    func fullURLs() throws {
        let base = URL(string: "http://127.0.0.1:8080")!
        let next = try RequestTarget("http://127.0.0.1:8080/users/o/repos?page=2", apiBase: base)
        #expect(next.pathAndQuery == "/users/o/repos?page=2")
        let enterprise = URL(string: "https://ghe.example.com/api/v3")!
        let ghes = try RequestTarget(
            "https://ghe.example.com/api/v3/orgs/x/actions/runners?page=3", apiBase: enterprise)
        #expect(ghes.pathAndQuery == "/orgs/x/actions/runners?page=3")
        #expect(ghes.url(base: enterprise) == "https://ghe.example.com/api/v3/orgs/x/actions/runners?page=3")
        #expect(throws: GHCacheError.self) {
            try RequestTarget("https://evil.example.com/users/o/repos", apiBase: base)
        }
    }

    @Test("fields are percent-encoded; existing escapes are kept, hex upper-cased")
    func encoding() throws {
        let withFields = try RequestTarget(
            "/search/issues", fields: [("q", "repo:o/r is:open"), ("sort", "a+b&c")], apiBase: testAPIBase)
        #expect(withFields.pathAndQuery == "/search/issues?q=repo:o/r%20is:open&sort=a%2Bb%26c")
        let escaped = try target("/repos/o/r/contents/a%2fb?ref=x%2fy")
        #expect(escaped.pathAndQuery == "/repos/o/r/contents/a%2Fb?ref=x%2Fy")
        #expect(try target("/repos/o/r#frag").pathAndQuery == "/repos/o/r")
    }

    @Test("the token is never part of the key material")
    func tokenFree() throws {
        let key = try target("/user/repos").key
        #expect(
            key
                == RequestTarget.key(
                    method: "GET", url: "/user/repos", accept: RequestTarget.defaultAccept, apiVersion: "2022-11-28"))
    }
}
