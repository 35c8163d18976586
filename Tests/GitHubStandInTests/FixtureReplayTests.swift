import Foundation
import GitHubStandIn
import Testing

@Suite("Recorded fixtures")
struct FixtureReplayTests {
    /// The recorded body of a bundled fixture, with `https://api.github.com` rewritten to `base`.
    private func recordedBody(_ name: String, base: String) throws -> NSObject {
        let url = try #require(StandInConfiguration.bundledFixturesDirectory).appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(
            of: "https://api.github.com", with: base)
        let file = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let response = try #require(file["response"] as? [String: Any])
        return try #require(response["body"] as? NSObject)
    }

    @Test("A recorded repository is replayed with its body re-serialised and its own Last-Modified")
    func recordedRepository() async throws {
        try await StandInHarness.with { standIn in
            let response = try await standIn.request("/repos/octokit-fixture-org/hello-world", token: "alpha")
            #expect(response.status == 200)
            // Replayed as recorded, except `permissions`: the caller's (pull only), not the recording token's.
            let served = try #require(try JSONSerialization.jsonObject(with: response.body) as? NSDictionary)
            let recorded = try #require(
                try recordedBody("repos/get-repository.200.json", base: standIn.base) as? NSDictionary)
            let pullOnly: NSDictionary = [
                "admin": false, "maintain": false, "push": false, "triage": false, "pull": true,
            ]
            #expect(served["permissions"] as? NSDictionary == pullOnly)
            #expect(recorded["permissions"] as? NSDictionary != pullOnly)
            let servedRest = try #require(served.mutableCopy() as? NSMutableDictionary)
            let recordedRest = try #require(recorded.mutableCopy() as? NSMutableDictionary)
            servedRest.removeObject(forKey: "permissions")
            recordedRest.removeObject(forKey: "permissions")
            #expect(servedRest == recordedRest)
            #expect(response.header("Last-Modified") == "Tue, 19 Sep 2017 15:57:54 GMT")
            #expect(response.header("Content-Length") == "\(response.body.count)")
            #expect(response.header("Content-Encoding") == nil)
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.remaining == 4999)
        }
    }

    @Test("The API root and the organisation are recorded documents")
    func rootAndOrganisation() async throws {
        try await StandInHarness.with { standIn in
            let root = try await standIn.request("/", token: "alpha")
            #expect(root.jsonObject?["current_user_url"] as? String == "\(standIn.base)/user")
            let org = try await standIn.request("/orgs/octokit-fixture-org", token: "alpha")
            #expect(org.jsonObject?["login"] as? String == "octokit-fixture-org")
        }
    }

    @Test("A renamed repository answers 301 with Location; the target is served")
    func renamedRepository() async throws {
        try await StandInHarness.with { standIn in
            let old = "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod"
            let moved = try await standIn.request(old, token: "alpha")
            #expect(moved.status == 301)
            let location = try #require(moved.header("Location"))
            #expect(location == "\(standIn.base)/repositories/515436299")
            #expect(moved.jsonObject?["message"] as? String == "Moved Permanently")
            let target = try await standIn.request(String(location.dropFirst(standIn.base.count)), token: "alpha")
            #expect(target.status == 200)
            #expect((target.jsonObject?["name"] as? String)?.hasSuffix("-newname") == true)

            let sub = try await standIn.request(old + "/actions/runs", token: "alpha")
            #expect(sub.header("Location") == "\(standIn.base)/repositories/515436299/actions/runs")
            let runs = try await standIn.request("/repositories/515436299/actions/runs", token: "alpha")
            #expect(runs.jsonObject?["total_count"] as? Int == 35)
        }
    }

    @Test("Recorded pages are joined and re-paginated under both recorded path forms")
    func recordedIssues() async throws {
        try await StandInHarness.with { standIn in
            let path = "/repos/octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe/issues"
            let first = try await standIn.request(path + "?per_page=3", token: "alpha")
            #expect(first.jsonArray?.count == 3)
            #expect(first.links["last"] == "\(standIn.base)\(path)?per_page=3&page=5")
            let all = try await standIn.request("/repositories/515435940/issues?per_page=100", token: "alpha")
            #expect(all.jsonArray?.compactMap { $0["number"] as? Int } == Array((1...13).reversed()))
        }
    }

    @Test("Recorded workflow runs and runners")
    func recordedActions() async throws {
        try await StandInHarness.with { standIn in
            let runs = try await standIn.request("/repos/api-padawan/api-sandbox/actions/runs", token: "alpha")
            #expect(runs.jsonObject?["total_count"] as? Int == 3)
            let byID = try await standIn.request(
                "/repositories/540180744/actions/runs?per_page=1&page=3", token: "alpha")
            #expect((byID.jsonObject?["workflow_runs"] as? [[String: Any]])?.first?["id"] as? Int == 3_109_325_726)
            let runners = try await standIn.request(
                "/repos/ReDASers/Phishing-Detection/actions/runners", token: "alpha")
            #expect(runners.jsonObject?["total_count"] as? Int == 19)
        }
    }

    @Test("Unknown paths and non-GET methods answer GitHub's 404 and are charged")
    func notFound() async throws {
        try await StandInHarness.with { standIn in
            for (path, method) in [("/nope", "GET"), ("/repos/a/b/issues/1/x/y", "GET"), ("/repos/octo/app", "POST")] {
                let response = try await standIn.request(
                    path, method: .init(rawValue: method), token: "alpha", body: method == "POST" ? "{}" : nil)
                #expect(response.status == 404)
                #expect(response.jsonObject?["message"] as? String == "Not Found")
                #expect(response.jsonObject?["documentation_url"] is String)
            }
            let recorded = try await standIn.request("/repos/pengwynn/octokit", token: "alpha")
            #expect(recorded.status == 404)
            #expect(try await standIn.stats().charged == 4)
        }
    }

    @Test("HEAD answers the headers of GET without a body")
    func head() async throws {
        try await StandInHarness.with { standIn in
            let get = try await standIn.request("/repos/octo/app", token: "alpha")
            let head = try await standIn.request("/repos/octo/app", method: .HEAD, token: "alpha")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("ETag") == get.header("ETag"))
        }
    }
}
