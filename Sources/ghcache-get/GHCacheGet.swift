import GHCacheCLI

@main
struct GHCacheGet {
    static func main() async {
        await CommandEntry.main(GetCommand.self)
    }
}
