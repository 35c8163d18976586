import Testing

@testable import CacheCore

@Suite("TTL rules")
struct TTLPolicyTests {
    func ttl(_ path: String, _ policy: TTLPolicy = TTLPolicy()) throws -> Int {
        let request = try target(path)
        return policy.ttl(path: request.path, query: request.decodedQuery)
    }

    @Test("the built-in table of DESIGN §3")
    func builtIns() throws {
        #expect(try ttl("/users/octo/repos") == 600)
        #expect(try ttl("/orgs/octo/repos?per_page=100") == 600)
        #expect(try ttl("/repos/o/r/actions/runs") == 120)
        #expect(try ttl("/repos/o/r/actions/runs?status=in_progress") == 120)
        #expect(try ttl("/repos/o/r/actions/runs?status=queued&per_page=5") == 60)
        #expect(try ttl("/repos/o/r/actions/runs/42/jobs") == 120)
        #expect(try ttl("/repos/o/r/actions/runners") == 300)
        #expect(try ttl("/orgs/o/actions/runners") == 300)
        #expect(try ttl("/rate_limit") == 0)
        #expect(try ttl("/repos/o/r") == 300)
        #expect(try ttl("/repos/o/r", TTLPolicy(defaultTTL: 42)) == 42)
    }

    @Test("user rules win over built-ins; first match wins; * is one segment, ** the rest")
    func userRules() throws {
        let rules = try TTLRule.parseList(
            "/repos/*/*/actions/runs=30, /repos/*/*/actions/runs?status=queued=5 /orgs/**=1h"
        ).get()
        let policy = TTLPolicy(userRules: rules, defaultTTL: 300)
        #expect(try ttl("/repos/o/r/actions/runs?status=queued", policy) == 30)
        #expect(try ttl("/orgs/o/actions/runners", policy) == 3600)
        #expect(try ttl("/orgs", policy) == 3600)
        #expect(try ttl("/repos/o/r/actions/runs/1", policy) == 120)
        let queuedFirst = try TTLRule.parseList("/repos/*/*/actions/runs?status=queued=5,/repos/*/*/actions/runs=30")
            .get()
        #expect(try ttl("/repos/o/r/actions/runs?status=queued", TTLPolicy(userRules: queuedFirst)) == 5)
        #expect(try ttl("/repos/o/r/actions/runs?status=done", TTLPolicy(userRules: queuedFirst)) == 30)
    }

    @Test("malformed rules are reported with the rule", arguments: ["repos/*=30", "/a=abc", "/a", "/**/x=3"])
    func malformed(rule: String) {
        #expect(throws: TTLRule.RuleSyntaxError(rule: rule)) { try TTLRule.parseList(rule).get() }
    }
}
