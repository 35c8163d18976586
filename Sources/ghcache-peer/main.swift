import GHCacheCLI

await CommandEntry.main(PeerCommand.self)
