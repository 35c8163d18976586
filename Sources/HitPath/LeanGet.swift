#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import LeanCore

/// `ghcache-get`'s front: answers a fresh cache hit from the store with nothing but SQLite, and hands every other
/// command line — a miss, a stale or missing entry, `--help`, an error, any option it does not know — unchanged to
/// the full program (`ghcache-get-full`: ArgumentParser, the GitHub client, the daemon's socket), which then behaves
/// exactly as if it had been called directly.
///
/// Links neither Foundation nor the network stack, so a hit costs little more than starting a process; see
/// BENCHMARKS.md ("Whole process").
public enum LeanGet {
    /// Answers `CommandLine.arguments` and exits.
    public static func main() -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            FileDescriptorIO.write(Array((GHCacheVersion.current + "\n").utf8), to: STDOUT_FILENO)
            exit(0)
        }
        if let answer = hit(arguments, environment: settingsEnvironment(), now: currentTime()) {
            FileDescriptorIO.ignoreBrokenPipes()
            if let report = answer.report {
                FileDescriptorIO.write(Array("ghcache: \(report)\n".utf8), to: STDERR_FILENO)
            }
            let body = answer.body
            FileDescriptorIO.write(
                body.last == UInt8(ascii: "\n") ? body : body + [UInt8(ascii: "\n")], to: STDOUT_FILENO)
            exit(0)
        }
        FullProgram.run(CommandLine.arguments)
    }

    /// A fresh stored answer: the body, and the `--verbose` line when asked for.
    struct Answer {
        var body: [UInt8]
        var report: String?
    }

    /// The fresh stored answer to `arguments`, its hit recorded as the full program records it; `nil` when the full
    /// program must answer.
    static func hit(_ arguments: [String], environment: [String: String], now: Double) -> Answer? {
        // The front is a static executable, so it must not use glibc's name service: when the cache directory needs
        // the password database (HOME unset), the full program answers.
        var needsPasswordDatabase = false
        guard let request = HitArguments.parse(arguments),
            let sources = try? SettingSources.load(
                flags: request.flags, environment: environment, configFilePath: request.configFile,
                homeDirectory: {
                    needsPasswordDatabase = true
                    return nil
                }),
            !needsPasswordDatabase,
            sources.unknownSettingWarnings.isEmpty,
            ConfigVariable.allCases.allSatisfy({ variable in
                sources.raw(variable).map { variable.isCertainlyValid($0.value) } ?? true
            }),
            let target = try? RequestTarget(
                relativePath: request.path, fields: request.fields, accept: request.accept,
                apiVersion: request.apiVersion)
        else { return nil }
        guard let policy = try? sources.ttlPolicy() else { return nil }
        let ttl = request.ttlOverride ?? policy.ttl(path: target.path, query: target.decodedQuery)
        let key = target.key
        guard ttl > 0, let store = HitStore(path: joinPath(sources.cacheDir, StoreLayout.fileName)) else { return nil }
        guard let entry = store.entry(forKey: key), entry.isFresh(ttl: ttl, now: now),
            mayServe(key: key, store: store, sources: sources, now: now),
            store.recordServed(key: key, counter: entry.fromPeer ? Counter.peerHits : Counter.localHits, now: now)
        else {
            store.finish(commit: false)
            return nil
        }
        let report =
            request.verbose
            ? VerboseReport.line(
                entry.fromPeer ? .peerHit : .localHit, target: target.description, age: max(0, now - entry.fetchedAt),
                ttl: ttl, live: nil, last: store.lastRateLimit(), now: now) : nil
        guard store.finish(commit: true) else { return nil }
        return Answer(body: entry.body, report: report)
    }

    /// The access rule (CACHE_SHARING) for the token of the settings: a token GitHub has shown this body within
    /// CACHE_ACCESS_TTL is served; anything else — a token to prove, one only `gh` knows, an unreadable key — goes
    /// to the full program, which applies the same rule and makes the proof.
    private static func mayServe(key: String, store: HitStore, sources: SettingSources, now: Double) -> Bool {
        let setting = sources.raw(.sharing).map { SharingMode(rawValue: $0.value.trimmingWhitespace()) }
        guard let mode = setting ?? .verified else { return false }
        let rule = AccessRule(
            mode: mode, accessTTL: sources.raw(.accessTTL).flatMap { ValueParsers.seconds($0.value) } ?? 300)
        guard rule.mode != .fleet else { return true }
        guard let token = (sources.raw(.githubToken) ?? sources.raw(.ghToken))?.value, !token.isEmpty,
            let fingerprintKey = readFingerprintKey(cacheDir: sources.cacheDir)
        else { return false }
        let fingerprint = hexString(SHA256Digest.hmac(key: fingerprintKey, message: Array(token.utf8)).prefix(16))
        return rule.decision(seenAt: store.seenAt(key: key, fingerprint: fingerprint), now: now) == .serve
    }

    /// `$CACHE_DIR/fingerprint.key` (32 bytes), or `nil`.
    private static func readFingerprintKey(cacheDir: String) -> [UInt8]? {
        let descriptor = open(joinPath(cacheDir, "fingerprint.key"), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let (bytes, complete) = FileDescriptorIO.readAll(descriptor)
        return complete && bytes.count == 32 ? bytes : nil
    }

    /// The environment variables the settings are read from (the settings', `HOME`, `XDG_CACHE_HOME`).
    static func settingsEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        func read(_ name: String) {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        for variable in ConfigVariable.allCases { read(variable.rawValue) }
        read("HOME")
        read("XDG_CACHE_HOME")
        return result
    }

    private static func currentTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
