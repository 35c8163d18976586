import Foundation
import Testing

@testable import CacheCore

@Suite("Store: corrupt, foreign, newer and missing stores")
struct StoreRecoveryTests {
    @Test(
        "a corrupt or foreign file is moved aside and replaced, with a notice naming both files",
        arguments: ["garbage", "foreign"])
    func quarantine(kind: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = CacheStore.storePath(in: directory.path)
        if kind == "garbage" {
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        } else {
            try runSQLite(
                path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'x');")
        }
        #expect(throws: GHCacheError.self) { try CacheStore.open(directory: directory.path, mode: .readOnly) }
        let store = try CacheStore.open(directory: directory.path)
        let notice = try #require(store.notices.first)
        #expect(notice.hasPrefix("\(path) was "))
        #expect(notice.contains("moved to \(path).corrupt-"))
        let aside = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".corrupt-")
        }
        #expect(aside.contains { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        try store.increment(Counter.misses)
        #expect(try store.counters() == [Counter.misses: 1])
        let reopened = try CacheStore.open(directory: directory.path)
        #expect(reopened.notices.isEmpty)
    }

    @Test("read-only opener: a missing store and corruption give messages naming the file and the recovery")
    func readOnlyMessages() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = CacheStore.storePath(in: directory.path)
        #expect(
            throws: GHCacheError(
                "no store at \(path) yet: it is created by the first `ghcache-get`", exitStatus: .store)
        ) {
            try CacheStore.open(directory: directory.path, mode: .readOnly)
        }
        try Data("not sqlite at all, really not".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try CacheStore.open(directory: directory.path, mode: .readOnly)
            Issue.record("a corrupt store opened")
        } catch {
            #expect(error.exitStatus == .store)
            #expect(error.message.contains(path) && error.message.contains("ghcache-gc --reset"))
        }
    }

    @Test("a store migrated by a newer ghcache is refused, never quarantined")
    func newerSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try CacheStore.open(directory: directory.path)
        let path = CacheStore.storePath(in: directory.path)
        try runSQLite(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future');")
        for mode in [CacheStore.Mode.readOnly, .readWrite] {
            do {
                _ = try CacheStore.open(directory: directory.path, mode: mode)
                Issue.record("a newer store opened in \(mode)")
            } catch {
                #expect(
                    error.message
                        == "the store \(path) was written by a newer version of ghcache: upgrade ghcache, or run `ghcache-gc --reset` to start with an empty store"
                )
                #expect(error.exitStatus == .store)
            }
        }
        #expect(FileManager.default.fileExists(atPath: path))
        let fresh = try CacheStore.reset(directory: directory.path)
        #expect(fresh == path)
        #expect(try CacheStore.open(directory: directory.path, mode: .readOnly).counters().isEmpty)
    }

    /// Runs SQL with the sqlite3 shell (a real, independent SQLite client).
    private func runSQLite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "sqlite3 failed")
    }
}
