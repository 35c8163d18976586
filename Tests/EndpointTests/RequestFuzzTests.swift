import CacheCore
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import LocalEndpoint

/// Bounded fuzzing of what a local client's request head becomes: the route, the token, the cache options
/// (`Cache-Control`, `X-GHCache-TTL`), the `Host` check and the URL rewriting. A bounded value or a refusal, never a
/// trap.
@Suite struct RequestFuzzTests {
    @Test func requestHeads() {
        let hostCheck = HostCheck(listenHost: "127.0.0.1")
        let rewriter = OriginRewriter(upstream: "https://api.github.com", local: "http://127.0.0.1:8787")
        let ran = Fuzzer.run(seed: 41) { fuzzer, _ in
            _ = try? Route(target: fuzzer.mutate("/api/v3/repos/o/r/actions/runs?status=queued&per_page=100"))
            _ = EndpointCore.token(fuzzer.mutate("Bearer ghp_0123456789abcdef"))
            _ = hostCheck.accepts(fuzzer.mutate("localhost:8787"))
            switch EndpointContract.lookupOptions(
                cacheControl: fuzzer.mutate("no-cache, max-stale=60"), ttl: fuzzer.mutate("300"), maxStale: 86400)
            {
            case .success(let options):
                #expect(options.maxStale >= 0 && options.maxStale <= TimeBounds.maxSeconds)
                if let ttl = options.ttlOverride { #expect(ttl >= 0 && ttl <= TimeBounds.maxSeconds) }
            case .failure(let error):
                #expect(error.exitStatus == .usage)
            }
            _ = rewriter.link(fuzzer.mutate("<https://api.github.com/repos?page=2>; rel=\"next\""))
            _ = rewriter.json(Data(fuzzer.mutate(Array(#"{"url":"https://api.github.com/x","a_url":"y"}"#.utf8))))
        }
        #expect(ran > 100)
    }
}
