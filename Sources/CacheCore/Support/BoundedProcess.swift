import Foundation
import Synchronization

#if canImport(Glibc)
    import CGlibcExtras
    import Glibc
#endif

/// Runs a short helper process (such as `gh auth token`) and waits for it at most a fixed time.
///
/// It spawns with `posix_spawn` itself instead of Foundation's `Process`: on Linux `Process.run()` lists
/// `/proc/self/fd` to close the parent's descriptors in the child and copies each entry's whole 256-byte name, reading
/// past the end of the directory buffer. With a few thousand descriptors open (a daemon holding many client
/// connections) that read can leave mapped memory and kill the process (SIGSEGV). `closefrom` in the child does the
/// same job without listing anything.
public enum BoundedProcess {
    /// The outcome of a finished process.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: Data
    }

    /// Runs `arguments` through `/usr/bin/env` (so `PATH` in `environment` finds the program). Returns `nil` when
    /// the process cannot start or does not finish within `timeout` (it is then killed). Standard input is
    /// `/dev/null`; standard error is discarded: helpers may print secrets or noise there. The child inherits no other
    /// descriptor, default signal dispositions and an empty signal mask.
    public static func run(_ arguments: [String], environment: [String: String], timeout: Duration) -> Result? {
        let deadline = ContinuousClock.now + timeout
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { return nil }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let pid = spawn(["/usr/bin/env"] + arguments, environment: environment, standardOutput: writeEnd)
        close(writeEnd)
        guard let pid else {
            close(readEnd)
            return nil
        }

        // The reader owns `readEnd` and closes it: a grandchild may keep the pipe open past our return.
        let collected = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = FileDescriptorIO.readToEnd(readEnd)
            close(readEnd)
            collected.withLock { $0 = data }
            drained.signal()
        }

        guard let status = waitForExit(pid, until: deadline) else {
            kill(pid, SIGKILL)
            _ = reap(pid, options: 0)
            return nil
        }
        let drainDeadline =
            DispatchTime.now() + .nanoseconds(Int(clamping: max(.milliseconds(100), deadline - .now).totalNanoseconds))
        guard drained.wait(timeout: drainDeadline) == .success else { return nil }
        return Result(status: status, standardOutput: collected.withLock { $0 })
    }

    /// Starts `argv` with `standardOutput` as its standard output; `nil` when `posix_spawn` fails.
    private static func spawn(_ argv: [String], environment: [String: String], standardOutput: Int32) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { return nil }
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        guard posix_spawnattr_init(&attributes) == 0 else { return nil }
        defer { posix_spawnattr_destroy(&attributes) }

        var allSignals = sigset_t()
        var noSignals = sigset_t()
        sigfillset(&allSignals)
        sigemptyset(&noSignals)
        let prepared =
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0
            && posix_spawn_file_actions_adddup2(&actions, standardOutput, 1) == 0
            && posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0
            && posix_spawn_file_actions_addclosefrom_np(&actions, 3) == 0
            && posix_spawnattr_setsigdefault(&attributes, &allSignals) == 0
            && posix_spawnattr_setsigmask(&attributes, &noSignals) == 0
            && posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0
        guard prepared else { return nil }

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var pid = pid_t()
        guard posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment) == 0 else { return nil }
        return pid
    }

    /// The exit status of `pid` (128 + the signal when a signal ended it), or `nil` when it still runs at `deadline`.
    private static func waitForExit(_ pid: pid_t, until deadline: ContinuousClock.Instant) -> Int32? {
        while true {
            if let status = reap(pid, options: WNOHANG) { return status }
            if ContinuousClock.now >= deadline { return nil }
            usleep(5_000)
        }
    }

    /// `waitpid`, retried on EINTR: the status once `pid` has ended, `nil` while it runs (with `WNOHANG`). A child
    /// that cannot be waited for (already reaped) counts as failed.
    private static func reap(_ pid: pid_t, options: Int32) -> Int32? {
        var raw: Int32 = 0
        while true {
            let result = waitpid(pid, &raw, options)
            if result == pid { break }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return -1
        }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}

extension Duration {
    /// The duration in nanoseconds, saturating.
    var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }
}
