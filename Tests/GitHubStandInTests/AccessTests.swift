import Foundation
import GitHubStandIn
import Testing

@Suite("Private repositories, admin-only endpoints and per-token permissions")
struct AccessTests {
    private static var notFound: NSDictionary {
        ["message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"]
    }

    /// `octo/secret-plans` is private: `reader` reads it, `writer` pushes to it, `boss` administers `octo`.
    private static let rules = StandInAccess(
        privateRepositories: ["octo/secret-plans"],
        grants: [
            .init(token: "reader", scope: "octo/secret-plans", role: .read),
            .init(token: "writer", scope: "octo/secret-plans", role: .write),
            .init(token: "boss", scope: "octo", role: .admin),
        ])

    private static func body(_ response: StandInHarness.Response) -> NSDictionary? {
        try? JSONSerialization.jsonObject(with: response.body) as? NSDictionary
    }

    @Test("A private repository and everything under it is GitHub's 404 to every token without a grant")
    func privateRepository() async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            for path in [
                "/repos/octo/secret-plans", "/repos/OCTO/Secret-Plans/", "/repos/octo/secret-plans/actions/runs",
            ] {
                for token in ["reader", "boss"] {
                    let allowed = try await standIn.request(path, token: token)
                    #expect(allowed.status == 200, "\(path) for \(token)")
                }
                for token in ["x", "outsider", nil] {
                    let refused = try await standIn.request(path, token: token)
                    #expect(refused.status == 404, "\(path) for \(token ?? "no token")")
                    #expect(Self.body(refused) == Self.notFound)
                    #expect(refused.header("ETag") == nil && refused.header("Last-Modified") == nil)
                }
            }
            let repository = try await standIn.request("/repos/octo/secret-plans", token: "reader")
            #expect(repository.jsonObject?["private"] as? Bool == true)
            #expect(repository.jsonObject?["visibility"] as? String == "private")
            // Other repositories of the owner stay public to everyone.
            #expect(try await standIn.request("/repos/octo/app", token: "x").status == 200)
            #expect(try await standIn.request("/repos/octo/app").status == 200)
            // 404s are charged: the outsider paid for its three refusals.
            let outsider = try await standIn.request("/rate_limit", token: "outsider")
            #expect(outsider.remaining == 4997)
        }
    }

    @Test("A validator or a date never opens a private repository: the refusal comes before preconditions")
    func conditionalRequestsAreRefused() async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            let path = "/repos/octo/secret-plans"
            let seen = try await standIn.request(path, token: "reader")
            let lastModified = try #require(seen.header("Last-Modified"))
            let forX = StandInETag.weak(requestHeaders: [("Authorization", "token x")], body: seen.body)
            let refused = try await standIn.request(
                path, token: "x",
                headers: [
                    ("If-None-Match", "\(try #require(seen.header("ETag"))), \(forX), *"),
                    ("If-Modified-Since", lastModified),
                ])
            #expect(refused.status == 404)
            #expect(Self.body(refused) == Self.notFound)
        }
    }

    @Test("not_modified_when_refused: If-Modified-Since alone gets a free 304 where the caller is refused")
    func notModifiedWhenRefused() async throws {
        var rules = Self.rules
        rules.notModifiedWhenRefused = true
        try await StandInHarness.with(StandInConfiguration(access: rules)) { standIn in
            let path = "/repos/octo/secret-plans"
            let date = "Mon, 06 Jan 2025 12:00:00 GMT"
            let quirk = try await standIn.request(path, token: "x", headers: [("If-Modified-Since", date)])
            #expect(quirk.status == 304 && quirk.body.isEmpty && quirk.remaining == 5000)
            let runners = try await standIn.request(
                "/orgs/octo/actions/runners", token: "x", headers: [("If-Modified-Since", date)])
            #expect(runners.status == 304)
            let withTag = try await standIn.request(
                path, token: "x", headers: [("If-Modified-Since", date), ("If-None-Match", "W/\"00\"")])
            #expect(withTag.status == 404)
            #expect(try await standIn.request(path, token: "x").status == 404)
            let current = try await standIn.request("/_standin/access")
            #expect(current.jsonObject?["not_modified_when_refused"] as? Bool == true)
        }
    }

    @Test("Repository lists leave out the private repositories the caller cannot read")
    func repositoryLists() async throws {
        let rules = StandInAccess(
            privateRepositories: ["octo/repo-02", "octo/repo-44"],
            grants: [.init(token: "reader", scope: "octo/repo-02", role: .read)])
        try await StandInHarness.with(StandInConfiguration(access: rules)) { standIn in
            func names(_ token: String?, page: Int) async throws -> [String] {
                let response = try await standIn.request("/orgs/octo/repos?page=\(page)", token: token)
                #expect(response.status == 200)
                return response.jsonArray?.compactMap { $0["name"] as? String } ?? []
            }
            let outsider = try await names("x", page: 1) + (try await names("x", page: 2))
            #expect(outsider.count == 43 && !outsider.contains("repo-02") && !outsider.contains("repo-44"))
            #expect(try await names(nil, page: 1).contains("repo-02") == false)
            let reader = try await names("reader", page: 1) + (try await names("reader", page: 2))
            #expect(reader.count == 44 && reader.contains("repo-02") && !reader.contains("repo-44"))
            let item = try await standIn.request("/orgs/octo/repos?per_page=2", token: "reader")
            #expect(item.jsonArray?.last?["private"] as? Bool == true)
        }
    }

    @Test("Runner lists of a governed owner answer 403 to non-admins, 401 without a token")
    func adminOnlyEndpoints() async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            let organization = "/orgs/octo/actions/runners"
            let repository = "/repos/octo/app/actions/runners"
            for path in [organization, repository] {
                let admin = try await standIn.request(path, token: "boss")
                #expect(admin.status == 200 && admin.jsonObject?["runners"] != nil, "\(path)")
                for token in ["writer", "x"] {
                    let refused = try await standIn.request(path, token: token)
                    #expect(refused.status == 403, "\(path) for \(token)")
                    #expect(refused.jsonObject?["message"] as? String == "Must have admin rights to Repository.")
                    #expect(refused.jsonObject?["status"] as? String == "403")
                    #expect(
                        (refused.jsonObject?["documentation_url"] as? String)?.hasPrefix(
                            "https://docs.github.com/rest/actions/self-hosted-runners#list-self-hosted-runners-for-")
                            == true)
                }
                let integration = try await standIn.request(path, token: "ghs_job")
                #expect(integration.status == 403)
                #expect(integration.jsonObject?["message"] as? String == "Resource not accessible by integration")
                let anonymous = try await standIn.request(path)
                #expect(anonymous.status == 401)
                #expect(anonymous.jsonObject?["message"] as? String == "Requires authentication")
            }
            // A private repository's runners: 404 to a token that cannot see it, 403 to one that only writes.
            #expect(try await standIn.request("/repos/octo/secret-plans/actions/runners", token: "x").status == 404)
            #expect(
                try await standIn.request("/repos/octo/secret-plans/actions/runners", token: "writer").status == 403)
            // An owner the rules do not name keeps the open behaviour.
            #expect(try await standIn.request("/orgs/elsewhere/actions/runners", token: "x").status == 200)
            #expect(try await standIn.request("/repos/elsewhere/app/actions/runners").status == 200)
            // 403s are charged, 401s are not.
            let stats = try await standIn.stats()
            #expect(stats.counts(for: organization).charged == 4 && stats.counts(for: organization).notCharged == 1)
        }
    }

    @Test("A revoked or narrowed grant takes effect on the next request (control routes)")
    func revocation() async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            #expect(try await standIn.request("/repos/octo/secret-plans", token: "reader").status == 200)
            let revoked = try await standIn.request(
                "/_standin/access/revoke", method: .POST, body: #"{"token":"reader","scope":"Octo/Secret-Plans"}"#)
            #expect(revoked.status == 200 && revoked.jsonObject?["revoked"] as? Int == 1)
            #expect(try await standIn.request("/repos/octo/secret-plans", token: "reader").status == 404)

            #expect(try await standIn.request("/orgs/octo/actions/runners", token: "boss").status == 200)
            let narrowed = try await standIn.request(
                "/_standin/access/grant", method: .POST, body: #"{"token":"boss","scope":"octo","role":"read"}"#)
            #expect(narrowed.status == 200)
            #expect(try await standIn.request("/orgs/octo/actions/runners", token: "boss").status == 403)
            #expect(try await standIn.request("/repos/octo/secret-plans", token: "boss").status == 200)
            let all = try await standIn.request("/_standin/access/revoke", method: .POST, body: #"{"token":"boss"}"#)
            #expect(all.jsonObject?["revoked"] as? Int == 1)
            #expect(try await standIn.request("/repos/octo/secret-plans", token: "boss").status == 404)

            // Replace everything, read it back; reset returns to the configured rules.
            let replaced = try await standIn.request(
                "/_standin/access", method: .POST,
                body:
                    #"{"private_repositories":["octo/app"],"grants":[{"token":"new","scope":"octo/app","role":"maintain"}]}"#
            )
            #expect(replaced.status == 200)
            #expect(try await standIn.request("/repos/octo/secret-plans", token: "x").status == 200)
            #expect(try await standIn.request("/repos/octo/app", token: "x").status == 404)
            let current = try await standIn.request("/_standin/access")
            #expect((current.jsonObject?["grants"] as? [[String: Any]])?.first?["role"] as? String == "maintain")
            standIn.server.reset()
            #expect(standIn.server.access() == Self.rules)
        }
    }

    @Test(
        "Bad access rules are refused with a message and change nothing",
        arguments: [
            ("/_standin/access", #"{"private_repositories":["no-slash"]}"#, "owner/name"),
            ("/_standin/access", #"{"grants":[{"token":"t","scope":"a/b/c","role":"read"}]}"#, "scope"),
            ("/_standin/access/grant", #"{"token":"t","scope":"octo","role":"owner"}"#, "role"),
            ("/_standin/access/grant", #"{"token":"","scope":"octo","role":"read"}"#, "empty token"),
            ("/_standin/access/revoke", #"{"scope":"octo"}"#, "token"),
            ("/_standin/access", "not json", "not JSON"),
        ])
    func badRules(path: String, body: String, mentions: String) async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            let response = try await standIn.request(path, method: .POST, body: body)
            #expect(response.status == 400)
            #expect((response.jsonObject?["message"] as? String)?.contains(mentions) == true)
            #expect(standIn.server.access() == Self.rules)
        }
    }

    @Test("Repository objects carry the caller's permissions: different bytes, so different ETags, per role")
    func permissions() async throws {
        try await StandInHarness.with(StandInConfiguration(access: Self.rules)) { standIn in
            func permissions(_ path: String, _ token: String?) async throws -> [String: Bool]? {
                let response = try await standIn.request(path, token: token)
                #expect(response.status == 200)
                return response.jsonObject?["permissions"] as? [String: Bool]
            }
            let path = "/repos/octo/secret-plans"
            #expect(
                try await permissions(path, "reader")
                    == ["admin": false, "maintain": false, "push": false, "triage": false, "pull": true])
            #expect(
                try await permissions(path, "writer")
                    == ["admin": false, "maintain": false, "push": true, "triage": true, "pull": true])
            #expect(
                try await permissions(path, "boss")
                    == ["admin": true, "maintain": true, "push": true, "triage": true, "pull": true])
            #expect(try await permissions("/repos/octo/app", "x")?["pull"] == true)
            #expect(try await permissions("/repos/octo/app", "x")?["push"] == false)
            #expect(try await permissions("/repos/octo/app", nil) == nil)
            // Recorded repositories too: the recording token's permissions give way to the caller's.
            #expect(try await permissions("/repos/octokit-fixture-org/hello-world", "x")?["admin"] == false)

            let reader = try await standIn.request(path, token: "reader")
            let writer = try await standIn.request(path, token: "writer")
            #expect(reader.body != writer.body)
            #expect(
                reader.header("ETag")
                    == StandInETag.weak(requestHeaders: [("Authorization", "token reader")], body: reader.body))
            // A writer proving with the reader's bytes gets its own view (200), never a 304.
            let proof = StandInETag.weak(requestHeaders: [("Authorization", "token writer")], body: reader.body)
            let answer = try await standIn.request(path, token: "writer", headers: [("If-None-Match", proof)])
            #expect(answer.status == 200 && answer.body == writer.body)
            // Two tokens with the same role see the same bytes.
            let x = try await standIn.request("/repos/octo/app", token: "x")
            let y = try await standIn.request("/repos/octo/app", token: "y")
            #expect(x.body == y.body && x.header("ETag") != y.header("ETag"))

            let list = try await standIn.request("/users/octo/repos?per_page=3", token: "boss")
            for item in list.jsonArray ?? [] {
                #expect((item["permissions"] as? [String: Bool])?["admin"] == true)
            }
            #expect((list.jsonArray ?? []).count == 3)
        }
    }
}
