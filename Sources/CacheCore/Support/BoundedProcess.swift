import Foundation
import Synchronization

/// Runs a short helper process (such as `gh auth token`) and waits for it at most a fixed time.
public enum BoundedProcess {
    /// The outcome of a finished process.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: Data
    }

    /// Runs `arguments` through `/usr/bin/env` (so `PATH` in `environment` finds the program). Returns `nil` when
    /// the process cannot start or does not finish within `timeout` (it is then terminated). Standard error is
    /// discarded: helpers may print secrets or noise there.
    public static func run(_ arguments: [String], environment: [String: String], timeout: Duration) -> Result? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let collected = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        DispatchQueue.global().async {
            let data = FileDescriptorIO.readToEnd(reader.fileDescriptor)
            collected.withLock { $0 = data }
            drained.signal()
        }
        do {
            try process.run()
        } catch {
            try? output.fileHandleForWriting.close()
            return nil
        }
        try? output.fileHandleForWriting.close()

        let deadline = DispatchTime.now() + .nanoseconds(Int(clamping: timeout.totalNanoseconds))
        guard finished.wait(timeout: deadline) == .success else {
            process.terminate()
            return nil
        }
        // A grandchild could keep the pipe open; never wait past the deadline for end of file.
        guard drained.wait(timeout: max(deadline, .now() + .milliseconds(100))) == .success else { return nil }
        return Result(status: process.terminationStatus, standardOutput: collected.withLock { $0 })
    }
}

extension Duration {
    /// The duration in nanoseconds, saturating.
    var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }
}
