// The full ghcache-get, and the one installed copy of the other Foundation programs: a multi-call program that runs
// the command its name selects (argv[0]'s last path component). `scripts/install` installs it once, as
// ghcache-get-full, and ghcache-stats, ghcache-gc and ghcache-peer as symbolic links to it: one copy of Foundation,
// ICU's data and the network stack instead of four (BENCHMARKS.md, "Install size"). Any other name, including
// ghcache-get (whose front, Sources/ghcache-get, execs this with its own arguments), is ghcache-get-full: every
// command, the network, help and errors. The ghcache-stats, ghcache-gc and ghcache-peer products run the same
// commands on their own (the debug build, tests, `swift run`).
import GHCacheCLI
import PeerCLI

@main
struct GHCacheGetFull {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch CommandLine.arguments.first?.split(separator: "/").last {
        case "ghcache-stats": await CommandEntry.main(StatsCommand.self, arguments: arguments)
        case "ghcache-gc": await CommandEntry.main(GCCommand.self, arguments: arguments)
        case "ghcache-peer": await CommandEntry.main(PeerCommand.self, arguments: arguments)
        default: await CommandEntry.main(GetCommand.self, arguments: GetCommand.subcommandFirst(arguments))
        }
    }
}
