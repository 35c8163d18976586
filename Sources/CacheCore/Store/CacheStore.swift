import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The SQLite store at `$CACHE_DIR/cache.sqlite`, shared by every ghcache process on a machine.
///
/// A `DatabasePool` in WAL mode with a busy timeout, so that many processes read and write at once
/// without "database is locked". Opening, migrating and quarantining happen under an exclusive
/// `flock` on `$CACHE_DIR/cache.lock`. The directory is created 0700 and the files 0600.
public final class CacheStore: Sendable {
    /// How a store is opened.
    public enum Mode: Sendable {
        /// Creates and migrates the store as needed; a corrupt or foreign file is moved aside to
        /// `cache.sqlite.corrupt-<timestamp>` and replaced by an empty store.
        case readWrite
        /// Never writes; refuses a missing, corrupt, foreign, older or newer store with a message.
        case readOnly
    }

    /// Path of the SQLite file.
    public let path: String
    /// Things the user should know about the opening, e.g. that a corrupt file was moved aside.
    public let notices: [String]
    let pool: DatabasePool

    /// Seconds SQLite waits for a lock before giving up; generous, since writes are tiny.
    static let busyTimeout: TimeInterval = 30

    private init(path: String, pool: DatabasePool, notices: [String]) {
        self.path = path
        self.pool = pool
        self.notices = notices
    }

    /// Frees what SQLite caches (page caches, prepared statements) and closes idle reader connections; they are
    /// rebuilt on the next use. Blocks until running database accesses end. For a long-lived process after a burst
    /// of reads (the daemon after a join-time sync).
    public func releaseMemory() {
        pool.releaseMemory()
    }

    /// The store path inside a cache directory.
    public static func storePath(in directory: String) -> String {
        joinPath(directory, StoreLayout.fileName)
    }

    /// Opens the store in `directory` to write, or, when it exists but cannot be written (a full disk, a read-only
    /// file system, files of another user), to read: cached copies are still served, with `warn` told once.
    public static func openForReading(directory: String, warn: (String) -> Void) throws(GHCacheError) -> CacheStore {
        do {
            return try open(directory: directory)
        } catch let writeError where writeError.exitStatus == .store {
            guard FileManager.default.fileExists(atPath: storePath(in: directory)),
                let store = try? open(directory: directory, mode: .readOnly)
            else { throw writeError }
            warn("\(writeError.message); serving cached copies read-only (nothing is stored or counted)")
            return store
        }
    }

    /// Opens (and in `.readWrite` mode creates or migrates) the store in `directory`.
    public static func open(directory: String, mode: Mode = .readWrite) throws(GHCacheError) -> CacheStore {
        let path = storePath(in: directory)
        switch mode {
        case .readOnly:
            guard FileManager.default.fileExists(atPath: path) else {
                throw GHCacheError(
                    "no store at \(path) yet: it is created by the first `ghcache-get`", exitStatus: .store)
            }
            do {
                return try CacheStore(path: path, pool: openPool(path: path, readOnly: true), notices: [])
            } catch let problem as StoreProblem {
                throw problem.userError(path: path, readOnly: true)
            } catch {
                throw storeError(error, path: path)
            }
        case .readWrite:
            try prepareDirectory(directory)
            do {
                return try FileLock.withLock(lockPath(in: directory)) { try openOrReplace(path: path) }
            } catch {
                throw storeError(error, path: path)
            }
        }
    }

    /// Opens the store at `path`; a corrupt or foreign file is moved aside and replaced.
    /// Runs under the directory lock.
    private static func openOrReplace(path: String) throws -> CacheStore {
        do {
            try createFileIfMissing(path)
            return try CacheStore(path: path, pool: openPool(path: path, readOnly: false), notices: [])
        } catch let problem as StoreProblem where problem.isReplaceable {
            let aside = try quarantine(path)
            try createFileIfMissing(path)
            let notice = "\(path) was \(problem.summary); it was moved to \(aside) and an empty store was created"
            return try CacheStore(path: path, pool: openPool(path: path, readOnly: false), notices: [notice])
        }
    }

    private static func lockPath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("cache.lock")
    }

    /// Deletes the store in `directory` (whatever its state) and creates an empty one.
    /// Returns the path of the new store. Processes that still have the old file open keep
    /// working on it until they exit.
    @discardableResult
    public static func reset(directory: String) throws(GHCacheError) -> String {
        try prepareDirectory(directory)
        let path = storePath(in: directory)
        do {
            try FileLock.withLock(lockPath(in: directory)) {
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                    try FileManager.default.removeItem(atPath: path + suffix)
                }
                try createFileIfMissing(path)
                _ = try openPool(path: path, readOnly: false)
            }
        } catch {
            throw storeError(error, path: path)
        }
        return path
    }

    // MARK: - Opening

    /// Creates the cache directory (0700) if missing; every file made in this process from now on is private.
    static func prepareDirectory(_ directory: String) throws(GHCacheError) {
        umask(0o077)
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GHCacheError(
                "cannot create the cache directory \(directory): \(error.localizedDescription); set CACHE_DIR to a writable directory",
                exitStatus: .store)
        }
    }

    /// Creates the store file 0600 if it is missing; when it does, also tightens the directory to 0700 (it may
    /// have existed with a wider mode): what ghcache keeps there is for its user only.
    private static func createFileIfMissing(_ path: String) throws {
        var fd = posixOpen(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let directory = (path as NSString).deletingLastPathComponent
            var status = stat()
            if stat(directory, &status) == 0, status.st_uid == geteuid(), status.st_mode & 0o077 != 0 {
                _ = chmod(directory, 0o700)
            }
        } else if errno == EEXIST {
            fd = posixOpen(path, O_WRONLY | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else {
            throw GHCacheError(
                "cannot create \(path): \(String(cString: strerror(errno)))", exitStatus: .store)
        }
        close(fd)
    }

    private static func openPool(path: String, readOnly: Bool) throws -> DatabasePool {
        var configuration = GRDB.Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "ghcache"
        configuration.maximumReaderCount = 2
        // On a new (empty) file only, before the first table: lets ghcache-gc compact with
        // `PRAGMA incremental_vacuum` while other processes keep using the store. (Setting it on an
        // existing file would write the header on every open.)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly, try Int.fetchOne(db, sql: "PRAGMA page_count") == 0 {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.isCorruption {
            throw StoreProblem.corrupt(error.message ?? "\(error.resultCode)")
        }
        do {
            let migrator = Schema.migrator
            let state = try pool.read { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if applicationID != Schema.applicationID && tables > 0 { return StoreState.foreign }
                if try migrator.hasBeenSuperseded(db) { return .newer }
                return try migrator.hasCompletedMigrations(db) ? .current : .older
            }
            switch state {
            case .foreign: throw StoreProblem.foreign
            case .newer: throw StoreProblem.newerSchema
            case .older where readOnly: throw StoreProblem.olderSchema
            case .older: try migrator.migrate(pool)
            case .current: break
            }
        } catch let error as DatabaseError where error.isCorruption {
            throw StoreProblem.corrupt(error.message ?? "\(error.resultCode)")
        }
        return pool
    }

    private enum StoreState { case foreign, newer, older, current }

    /// Moves a bad store file (and its WAL files) aside; returns the new name.
    private static func quarantine(_ path: String) throws(GHCacheError) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var aside = "\(path).corrupt-\(formatter.string(from: Date()))"
        var attempt = 1
        while FileManager.default.fileExists(atPath: aside) {
            aside = "\(path).corrupt-\(formatter.string(from: Date()))-\(attempt)"
            attempt += 1
        }
        do {
            try FileManager.default.moveItem(atPath: path, toPath: aside)
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
            }
        } catch {
            throw GHCacheError(
                "\(path) is not a usable ghcache store and could not be moved aside (\(error.localizedDescription)); "
                    + "remove it by hand or run `ghcache-gc --reset`", exitStatus: .store)
        }
        return aside
    }
}

/// Why a store file cannot be used as it is.
enum StoreProblem: Error {
    case corrupt(String)
    case foreign
    case newerSchema
    case olderSchema

    /// Whether a read-write opener may move the file aside and start afresh.
    var isReplaceable: Bool {
        switch self {
        case .corrupt, .foreign: true
        case .newerSchema, .olderSchema: false
        }
    }

    var summary: String {
        switch self {
        case .corrupt(let reason): "not a readable SQLite database (\(reason))"
        case .foreign: "an SQLite database of another program"
        case .newerSchema: "written by a newer version of ghcache"
        case .olderSchema: "written by an older version of ghcache"
        }
    }

    func userError(path: String, readOnly: Bool) -> GHCacheError {
        switch self {
        case .corrupt, .foreign:
            GHCacheError(
                "the store \(path) is \(summary). Run `ghcache-gc --reset` to replace it with an empty store "
                    + "(any `ghcache-get` also moves it aside automatically)", exitStatus: .store)
        case .newerSchema:
            GHCacheError(
                "the store \(path) was \(summary): upgrade ghcache, or run `ghcache-gc --reset` to start "
                    + "with an empty store", exitStatus: .store)
        case .olderSchema:
            GHCacheError(
                "the store \(path) was \(summary) and needs an upgrade: run any `ghcache-get` or `ghcache-gc` once",
                exitStatus: .store)
        }
    }
}

extension DatabaseError {
    var isCorruption: Bool {
        resultCode == .SQLITE_CORRUPT || resultCode == .SQLITE_NOTADB
    }
}

/// Turns any store failure into a user-facing error naming the file and what to do.
func storeError(_ error: any Error, path: String) -> GHCacheError {
    if let error = error as? GHCacheError { return error }
    if let problem = error as? StoreProblem { return problem.userError(path: path, readOnly: false) }
    guard let error = error as? DatabaseError else {
        return GHCacheError("cannot use the store \(path): \(error.localizedDescription)", exitStatus: .store)
    }
    let reason = error.message ?? "SQLite error \(error.resultCode.rawValue)"
    switch error.resultCode {
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
        return StoreProblem.corrupt(reason).userError(path: path, readOnly: false)
    case .SQLITE_FULL:
        return GHCacheError("the disk holding \(path) is full: free space or run `ghcache-gc`", exitStatus: .store)
    case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
        return GHCacheError(
            "cannot write the store \(path) (\(reason)): check the permissions of the file and its directory",
            exitStatus: .store)
    case .SQLITE_BUSY, .SQLITE_LOCKED:
        return GHCacheError(
            "the store \(path) stayed busy for \(Int(CacheStore.busyTimeout)) s (\(reason)); another process holds "
                + "a long write lock: retry", exitStatus: .store)
    default:
        return GHCacheError("store error in \(path): \(reason)", exitStatus: .store)
    }
}
