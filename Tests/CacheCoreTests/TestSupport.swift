import Foundation
import Testing

@testable import CacheCore

/// A fresh directory under the system temp dir, removed by ``remove()``.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    /// A path inside the directory.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a store in a fresh cache directory (`<tmp>/cache`), then deletes it.
func withStore<T>(_ body: (CacheStore, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = try CacheStore.open(directory: directory.file("cache"))
    return try await body(store, directory)
}

let testAPIBase = URL(string: "https://api.github.com")!

/// A target for `path` under api.github.com.
func target(_ path: String, accept: String = RequestTarget.defaultAccept) throws -> RequestTarget {
    try RequestTarget(path, accept: accept, apiBase: testAPIBase)
}

/// A 200 response with a JSON body.
func response(_ body: String, headers: [String: String] = [:]) -> GitHubResponse {
    GitHubResponse(
        status: 200, headers: ["content-type": "application/json"].merging(headers) { $1 }, body: Data(body.utf8))
}

/// Expects `body` to fail with a ``GHCacheError`` of `status` whose message contains `text`.
func expectError(
    _ status: CacheCore.ExitStatus, containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected an error containing \"\(text)\"", sourceLocation: sourceLocation)
    } catch let error as GHCacheError {
        #expect(error.exitStatus == status, "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

extension CacheStore {
    /// Verifies `entry` as the daemon verifies what peers send, then stores it.
    func upsertFromPeer(_ entry: ReplicatedEntry, peer: String, now: Double) throws -> PeerUpsertOutcome {
        try upsertFromPeer(VerifiedEntry(checking: entry, now: now), peer: peer, now: now)
    }
}
