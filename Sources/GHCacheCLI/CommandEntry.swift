import ArgumentParser
import CacheCore
import Foundation

/// Runs a root command the way every ghcache binary does: user-facing errors as one
/// `ghcache: error: ...` line with their documented exit status, usage errors with exit 2.
public enum CommandEntry {
    /// Parses `arguments` (by default the process's), runs the command in the live context and exits with its
    /// status.
    public static func main(
        _ root: any AsyncParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) async -> Never {
        FileDescriptorIO.ignoreBrokenPipes()
        exit(await run(root, arguments: arguments, in: .live))
    }

    /// Parses `arguments`, runs the command in `context` and returns the exit status: a ``GHCacheError`` as one
    /// `ghcache: error: ...` line with its documented status, usage errors with status 2, help on stdout.
    public static func run(_ root: any AsyncParsableCommand.Type, arguments: [String], in context: CommandContext)
        async -> Int32
    {
        do {
            var command = try root.parseAsRoot(arguments)
            if let contextual = command as? any ContextCommand {
                try await contextual.run(in: context)
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.ok.rawValue
        } catch let error as GHCacheError {
            context.output.stderr("error: \(error.message)")
            return error.exitStatus.rawValue
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { context.output.line(message) }
                return ExitStatus.ok.rawValue
            }
            context.output.rawError(Redaction.redactLines(message) + "\n")
            return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
        }
    }

    /// The exit status table for `--help` discussions.
    static let exitStatusHelp =
        "EXIT STATUS\n" + ExitStatus.summary.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
}
