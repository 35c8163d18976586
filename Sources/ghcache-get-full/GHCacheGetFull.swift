// The full ghcache-get: every command, the network, help and errors. `ghcache-get` (Sources/ghcache-get) answers
// fresh cache hits itself and runs this program for everything else.
import GHCacheCLI

@main
struct GHCacheGetFull {
    static func main() async {
        await CommandEntry.main(
            GetCommand.self, arguments: GetCommand.subcommandFirst(Array(CommandLine.arguments.dropFirst())))
    }
}
