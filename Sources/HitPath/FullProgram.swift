#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import LeanCore

/// Runs the full `ghcache-get` program in place of this process (`execv`: same arguments, environment, standard
/// streams and process ID, so callers see one process with the full program's output and exit status).
enum FullProgram {
    /// The file name of the full program.
    static let name = "ghcache-get-full"

    /// Where the full program may be, in order: `$GHCACHE_GET_FULL`, next to this executable, and
    /// `../libexec/ghcache/` from it (a packaged install).
    static func candidates() -> [String] {
        var paths: [String] = []
        if let explicit = getenv("GHCACHE_GET_FULL").map({ String(cString: $0) }), !explicit.isEmpty {
            paths.append(explicit)
        }
        if let directory = ownDirectory() {
            paths.append(directory + "/" + name)
            paths.append(directory + "/../libexec/ghcache/" + name)
        }
        return paths
    }

    /// Replaces this process with the full program; if none can be run, explains and exits 2.
    static func run(_ arguments: [String]) -> Never {
        let paths = candidates()
        var cArguments = arguments.map { strdup($0) }
        cArguments.append(nil)
        for path in paths where access(path, X_OK) == 0 {
            execv(path, &cArguments)
        }
        let tried = paths.joined(separator: ", ")
        let message =
            "ghcache: error: cannot run \(name), which answers everything but cache hits (tried \(tried)): "
            + "install it next to ghcache-get (see README.md, Install) or set GHCACHE_GET_FULL to its path\n"
        FileDescriptorIO.write(Array(message.utf8), to: STDERR_FILENO)
        exit(2)
    }

    /// The directory of this executable (`/proc/self/exe` resolved).
    private static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "" : String(path[..<slash])
    }
}
