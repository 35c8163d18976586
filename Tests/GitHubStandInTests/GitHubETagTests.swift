import Foundation
import GitHubStandIn
import Testing

@Suite("GitHub's ETag formula and drift")
struct GitHubETagTests {
    private static let accept = "application/vnd.github+json"

    @Test(
        "The formula reproduces the published vectors",
        arguments: [
            ([(String, String)](), "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"),
            ([("Accept", "*/*")], "992aaf92b487506974e4305db4a64326866f3ed48b2ba424cef8fbe4e28f72b0"),
            (
                [("Accept", accept), ("Authorization", "Bearer hunter2")],
                "4ca3654066548c66635d8c4ff18efdef7630cfe4b140ed1c40f72fad4dbff62d"
            ),
            (
                [("Authorization", "token hunter2"), ("accept", accept), ("User-Agent", "ignored")],
                "09e0d5c87dccc913cecf55a186fd69ef6d01017cf170f072df6821de191c3d6a"
            ),
            (
                [("Accept", accept), ("Authorization", "bearer hunter2")],
                "9739216b2cd1eef0fd0f3d46c8241eb40812c453c2cf06caaffaacfe34f8db8b"
            ),
        ])
    func vectors(headers: [(String, String)], expected: String) {
        #expect(StandInETag.hex(requestHeaders: headers, body: Data("[]".utf8)) == expected)
        #expect(StandInETag.weak(requestHeaders: headers, body: Data("[]".utf8)) == "W/\"\(expected)\"")
    }

    @Test("The list form hashes Accept, Authorization and Cookie in that order, each value followed by a colon")
    func listForm() {
        let body = Data(#"{"a":1}"#.utf8)
        let headers = [("Cookie", "c=1"), ("Authorization", "token t"), ("Accept", "a"), ("Accept", "b")]
        let expected = StandInETag.hex(accept: ["a", "b"], authorization: ["token t"], cookie: ["c=1"], body: body)
        #expect(StandInETag.hex(requestHeaders: headers, body: body) == expected)
        #expect(
            expected != StandInETag.hex(accept: ["b", "a"], authorization: ["token t"], cookie: ["c=1"], body: body))
    }

    @Test(
        "The stand-in's ETag is GitHub's formula over the request as sent and the body bytes received",
        arguments: ["/repos/octo/app", "/orgs/octo/repos?per_page=5", "/repos/octo/app/actions/runs", "/orgs/octo"])
    func standInUsesFormula(path: String) async throws {
        try await StandInHarness.with { standIn in
            for authorization in ["token alpha", "Bearer alpha", "bearer alpha", nil] {
                var headers = [("Accept", Self.accept), ("Cookie", "session=1")]
                if let authorization { headers.append(("Authorization", authorization)) }
                let response = try await standIn.request(path, headers: headers)
                #expect(response.status == 200)
                let expected = StandInETag.weak(requestHeaders: headers, body: response.body)
                #expect(response.header("ETag") == expected, "\(path) with \(authorization ?? "no token")")
            }
        }
    }

    @Test("A recomputed ETag for the caller's own Authorization is answered 304, free; another token's is not")
    func recomputedProof() async throws {
        try await StandInHarness.with { standIn in
            let path = "/repos/octo/app/actions/runs"
            let first = try await standIn.request(
                path, headers: [("Accept", Self.accept), ("Authorization", "token a")])
            #expect(first.status == 200)
            // Token b never fetched it: it recomputes the tag for its own header over a's bytes.
            let forB = [("Accept", Self.accept), ("Authorization", "Bearer b")]
            let proof = StandInETag.weak(requestHeaders: forB, body: first.body)
            let other = StandInETag.weak(
                requestHeaders: [("Accept", Self.accept), ("Authorization", "token c")], body: first.body)
            let answer = try await standIn.request(
                path, headers: forB + [("If-None-Match", "\"0000\", \(other), \(proof)")])
            #expect(answer.status == 304)
            #expect(answer.body.isEmpty && answer.remaining == 5000)
            #expect(answer.header("ETag") == proof)
            // The same proof from another scheme spelling or another token does not match.
            for authorization in ["token b", "Bearer c"] {
                let miss = try await standIn.request(
                    path,
                    headers: [("Accept", Self.accept), ("Authorization", authorization), ("If-None-Match", proof)])
                #expect(miss.status == 200 && miss.body == first.body, "\(authorization)")
            }
            // Weak comparison: the bare quoted hex matches too.
            let strong = String(proof.dropFirst(2))
            let bare = try await standIn.request(path, headers: forB + [("If-None-Match", strong)])
            #expect(bare.status == 304)
            let stats = try await standIn.stats()
            #expect(stats.charged == 3 && stats.notCharged == 2)
        }
    }

    @Test("Drift: after POST /_standin/etag a recomputed proof is answered 200 with identical bytes")
    func drift() async throws {
        try await StandInHarness.with { standIn in
            let path = "/repos/octo/app"
            let headers = [("Accept", Self.accept), ("Authorization", "token alpha")]
            let before = try await standIn.request(path, headers: headers)
            let recomputed = StandInETag.weak(requestHeaders: headers, body: before.body)
            #expect(before.header("ETag") == recomputed)

            for formula in ["body-only", "salted"] {
                let set = try await standIn.request(
                    "/_standin/etag", method: .POST, body: #"{"formula":"\#(formula)"}"#)
                #expect(set.status == 200 && set.jsonObject?["formula"] as? String == formula)
                let proof = try await standIn.request(path, headers: headers + [("If-None-Match", recomputed)])
                #expect(proof.status == 200, "\(formula)")
                #expect(proof.body == before.body)
                let drifted = try #require(proof.header("ETag"))
                #expect(drifted != recomputed && drifted.hasPrefix("W/\""))
                // The stand-in still honours its own tags, as GitHub would.
                let own = try await standIn.request(path, headers: headers + [("If-None-Match", drifted)])
                #expect(own.status == 304, "\(formula)")
                let beta = try await standIn.request(path, token: "beta")
                if formula == "body-only" {
                    #expect(beta.header("ETag") == drifted, "body-only ignores the token")
                } else {
                    #expect(beta.header("ETag") != drifted, "salted stays bound to the token")
                }
            }
            #expect(standIn.server.etagFormula() == .salted)
            standIn.server.setETagFormula(.github)
            let back = try await standIn.request(path, headers: headers + [("If-None-Match", recomputed)])
            #expect(back.status == 304)

            let bad = try await standIn.request("/_standin/etag", method: .POST, body: #"{"formula":"md5"}"#)
            #expect(bad.status == 400)
            #expect(String(decoding: bad.body, as: UTF8.self).contains("formula"))
        }
    }

    @Test("The configured formula is the start and the reset state")
    func configuredFormula() async throws {
        try await StandInHarness.with(StandInConfiguration(etagFormula: .bodyOnly)) { standIn in
            let response = try await standIn.request("/repos/octo/app", token: "alpha")
            #expect(response.header("ETag") == "W/\"\(StandInETag.hex(body: response.body))\"")
            standIn.server.setETagFormula(.github)
            standIn.server.reset()
            let current = try await standIn.request("/_standin/etag")
            #expect(current.jsonObject?["formula"] as? String == "body-only")
        }
    }
}
