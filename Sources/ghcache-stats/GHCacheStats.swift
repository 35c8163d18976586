import GHCacheCLI

@main
struct GHCacheStats {
    static func main() async {
        await CommandEntry.main(StatsCommand.self)
    }
}
