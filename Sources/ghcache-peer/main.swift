import GHCacheCLI
import PeerCLI

await CommandEntry.main(PeerCommand.self)
