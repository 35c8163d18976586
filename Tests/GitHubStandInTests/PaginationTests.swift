import Foundation
import GitHubStandIn
import Testing

@Suite("Pagination and Link headers")
struct PaginationTests {
    @Test("Repository lists span two default pages with next/last, then prev/first")
    func repositoryPages() async throws {
        try await StandInHarness.with { standIn in
            let first = try await standIn.request("/users/octocat/repos", token: "alpha")
            #expect(first.jsonArray?.count == 30)
            #expect(
                first.links == [
                    "next": "\(standIn.base)/users/octocat/repos?page=2",
                    "last": "\(standIn.base)/users/octocat/repos?page=2",
                ])

            let second = try await standIn.request("/users/octocat/repos?page=2", token: "alpha")
            #expect(second.jsonArray?.count == 15)
            #expect(
                second.links == [
                    "prev": "\(standIn.base)/users/octocat/repos?page=1",
                    "first": "\(standIn.base)/users/octocat/repos?page=1",
                ])
            let names = (first.jsonArray ?? []) + (second.jsonArray ?? [])
            #expect(Set(names.compactMap { $0["full_name"] as? String }).count == 45)
        }
    }

    @Test("Links keep the other query items, in GitHub's rel order")
    func middlePage() async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/orgs/acme/repos?per_page=10&page=3", token: "alpha")
            #expect(response.jsonArray?.count == 10)
            let link = try #require(response.header("Link"))
            let rels = link.split(separator: ",").compactMap { $0.split(separator: "\"").dropFirst().first }
            #expect(rels == ["prev", "next", "last", "first"])
            #expect(response.links["last"] == "\(standIn.base)/orgs/acme/repos?per_page=10&page=5")
            #expect(response.links["next"] == "\(standIn.base)/orgs/acme/repos?per_page=10&page=4")
        }
    }

    @Test("per_page is capped at 100; one page means no Link")
    func perPageCap() async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/users/octocat/repos?per_page=500", token: "alpha")
            #expect(response.jsonArray?.count == 45)
            #expect(response.header("Link") == nil)
        }
    }

    @Test("Wrapped lists paginate the inner array and keep total_count; status filters runs")
    func workflowRuns() async throws {
        try await StandInHarness.with { standIn in
            let all = try await standIn.request("/repos/octo/app/actions/runs?per_page=20", token: "alpha")
            let body = try #require(all.jsonObject)
            #expect(body["total_count"] as? Int == 35)
            #expect((body["workflow_runs"] as? [Any])?.count == 20)
            #expect(all.links["last"] == "\(standIn.base)/repos/octo/app/actions/runs?per_page=20&page=2")

            let queued = try await standIn.request("/repos/octo/app/actions/runs?status=queued", token: "alpha")
            let runs = try #require(queued.jsonObject?["workflow_runs"] as? [[String: Any]])
            #expect(queued.jsonObject?["total_count"] as? Int == 3)
            #expect(runs.allSatisfy { $0["status"] as? String == "queued" })
            #expect(queued.header("Link") == nil)

            let failures = try await standIn.request("/repos/octo/app/actions/runs?status=failure", token: "alpha")
            let failed = try #require(failures.jsonObject?["workflow_runs"] as? [[String: Any]])
            #expect(!failed.isEmpty)
            #expect(failed.allSatisfy { $0["conclusion"] as? String == "failure" })
        }
    }

    @Test("Runner lists for repositories and organisations")
    func runners() async throws {
        try await StandInHarness.with { standIn in
            let org = try await standIn.request("/orgs/acme/actions/runners?per_page=5", token: "alpha")
            #expect(org.jsonObject?["total_count"] as? Int == 12)
            #expect((org.jsonObject?["runners"] as? [Any])?.count == 5)
            #expect(org.links["last"] != nil)
            let repo = try await standIn.request("/repos/octo/app/actions/runners", token: "alpha")
            let runners = try #require(repo.jsonObject?["runners"] as? [[String: Any]])
            #expect(runners.count == 4)
            #expect(runners.allSatisfy { $0["busy"] is Bool && $0["status"] is String && $0["labels"] is [Any] })
        }
    }

    @Test("Generated data is deterministic across servers")
    func deterministic() async throws {
        let first = try await StandInHarness.with {
            try await $0.request("/repos/octo/app/actions/runs", token: "t").body
        }
        let second = try await StandInHarness.with {
            try await $0.request("/repos/octo/app/actions/runs", token: "t").body
        }
        let firstText = String(decoding: first, as: UTF8.self).replacingOccurrences(
            of: #"127\.0\.0\.1:\d+"#, with: "", options: .regularExpression)
        let secondText = String(decoding: second, as: UTF8.self).replacingOccurrences(
            of: #"127\.0\.0\.1:\d+"#, with: "", options: .regularExpression)
        #expect(firstText == secondText)
    }
}
