// CacheCore builds on LeanCore (the Foundation-free settings, TTL rules, request keys and store layout that
// `ghcache-get`'s lean hit path shares); its users see both.
@_exported import LeanCore
