import ArgumentParser
import CacheCore
import Foundation

/// Runs a root command the way every ghcache binary does: user-facing errors as one
/// `ghcache: error: ...` line with their documented exit status, usage errors with exit 2.
public enum CommandEntry {
    /// Parses the process arguments, runs the command and exits.
    public static func main(_ root: any AsyncParsableCommand.Type) async -> Never {
        FileDescriptorIO.ignoreBrokenPipes()
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ExitStatus.ok.rawValue)
        } catch let error as GHCacheError {
            Output.stderr("error: \(error.message)")
            exit(error.exitStatus.rawValue)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(ExitStatus.ok.rawValue)
            }
            FileDescriptorIO.write(Data((Redaction.redactLines(message) + "\n").utf8), to: STDERR_FILENO)
            exit(code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue)
        }
    }

    /// The exit status table for `--help` discussions.
    static let exitStatusHelp =
        "EXIT STATUS\n" + ExitStatus.summary.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
}
