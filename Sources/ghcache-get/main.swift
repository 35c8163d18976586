// ghcache-get: fresh cache hits answered here with SQLite alone; everything else runs ghcache-get-full
// (Sources/HitPath explains the split).
import HitPath

LeanGet.main()
