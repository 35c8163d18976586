import Foundation
import NIOHTTP1
import Testing

@testable import GitHubStandIn

/// The engine alone (no sockets), so that requests can come from different client addresses.
@Suite("ETags bound to the request headers, not the address")
struct ValidatorBindingTests {
    private func engine() throws -> StandInEngine {
        StandInEngine(configuration: StandInConfiguration(), fixtures: try FixtureLibrary.load(from: nil))
    }

    private func get(
        _ engine: StandInEngine, _ path: String, from address: String, headers: [(String, String)] = []
    ) throws -> Reply {
        let request = IncomingRequest(
            method: .GET, uri: path, headers: HTTPHeaders(headers), body: Data(), clientAddress: address,
            serverBase: "http://127.0.0.1:1")
        guard case .respond(let reply, _) = engine.plan(request) else {
            Issue.record("no answer for \(path)")
            throw CancellationError()
        }
        return reply
    }

    @Test("an unauthenticated ETag is the same from every address (the formula has no address) but not a token's")
    func anonymousETagIsShared() throws {
        let engine = try engine()
        let path = "/orgs/octo/repos"
        let first = try get(engine, path, from: "10.0.0.1")
        let etag = try #require(first.headers.first { $0.0 == "ETag" }?.1)
        #expect(first.status == .ok)
        #expect(etag == StandInETag.weak(requestHeaders: [], body: first.body ?? Data()))
        #expect(try get(engine, path, from: "10.0.0.1", headers: [("If-None-Match", etag)]).status == .notModified)
        let elsewhere = try get(engine, path, from: "10.0.0.2", headers: [("If-None-Match", etag)])
        #expect(elsewhere.status == .notModified)
        let token = try get(
            engine, path, from: "10.0.0.1", headers: [("If-None-Match", etag), ("Authorization", "token alpha")])
        #expect(token.status == .ok)
        #expect(engine.state.withLock { $0.stats.charged } == 2)
    }
}
