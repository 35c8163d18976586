import GHCacheCLI

@main
struct GHCacheGC {
    static func main() async {
        await CommandEntry.main(GCCommand.self)
    }
}
