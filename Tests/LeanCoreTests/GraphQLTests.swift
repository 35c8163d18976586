import LeanCore
import Testing

@Suite("GraphQL documents, requests and keys")
struct GraphQLTests {
    static func tokens(_ source: String) throws -> [GraphQLToken] {
        try GraphQLLexer.tokens(source).map(\.token)
    }

    @Test("the lexer reads punctuators, names, numbers, strings and block strings, and drops ignored tokens")
    func lexer() throws {
        #expect(
            try Self.tokens("\u{FEFF}query Q($a: [Int!]! = [1, -2]) @d { ...F ... on T { x } } # comment\n")
                == [
                    .name("query"), .name("Q"), .punctuator("("), .punctuator("$"), .name("a"), .punctuator(":"),
                    .punctuator("["), .name("Int"), .punctuator("!"), .punctuator("]"), .punctuator("!"),
                    .punctuator("="), .punctuator("["), .int("1"), .int("-2"), .punctuator("]"), .punctuator(")"),
                    .punctuator("@"), .name("d"), .punctuator("{"), .punctuator("..."), .name("F"),
                    .punctuator("..."), .name("on"), .name("T"), .punctuator("{"), .name("x"), .punctuator("}"),
                    .punctuator("}"),
                ])
        #expect(
            try Self.tokens("0 -0 1.5 1e10 -1.25E-3 6.0e+2") == [
                .int("0"), .int("-0"), .float("1.5"), .float("1e10"), .float("-1.25E-3"), .float("6.0e+2"),
            ])
        #expect(try Self.tokens(#""a\"b\\c\/d\n\u00e9\u{1F600}\ud83d\ude00""#) == [.string("a\"b\\c/d\né😀😀")])
        // Block strings: common indentation and blank first/last lines removed, \""" kept as """.
        #expect(
            try Self.tokens("\"\"\"\n    Hello,\n      World!\n\n    Yours, \\\"\"\" GraphQL.\n  \"\"\"") == [
                .string("Hello,\n  World!\n\nYours, \"\"\" GraphQL.")
            ])
        #expect(try Self.tokens("a,,b\r\nc\t#x\rd") == [.name("a"), .name("b"), .name("c"), .name("d")])
        for bad in [
            "00", "1.", "1.e5", "1e", "-", "0x1", "123abc", "1.5.2", "\"unterminated", "\"line\nbreak\"", "\"\\q\"",
            "\"\\u12\"", "\"\\ud800\"", "..", ".", "?", "\u{0007}", "\"\"\"open", "\"\\u{110000}\"",
        ] {
            #expect(throws: GraphQLSyntaxError.self, "\(bad.debugDescription) must not lex") {
                try GraphQLLexer.tokens(bad)
            }
        }
    }

    @Test("operations, the anonymous shorthand, fragments and operationName selection")
    func parser() throws {
        let document = try GraphQLDocument.parse(
            """
            query A($n: Int = 3) { viewer { ...Who repositories(first: $n) { nodes { name } } } }
            query B { rateLimit { cost } }
            fragment Who on User { login ... on User @include(if: true) { id } }
            """)
        #expect(document.operations.map(\.name) == ["A", "B"])
        #expect(document.operations[0].variables.map(\.name) == ["n"])
        #expect(document.operations[0].variables[0].defaultValue == .int("3"))
        #expect(document.fragments["Who"]?.typeCondition == "User")
        #expect(document.operation(named: "B")?.name == "B")
        #expect(document.operation(named: nil) == nil, "two operations and no operationName")
        #expect(document.operation(named: "C") == nil)
        #expect(document.isQueryOnly)

        let shorthand = try GraphQLDocument.parse("{ a: viewer { login } }")
        #expect(shorthand.operations.count == 1 && shorthand.operations[0].type == .query)
        #expect(shorthand.operation(named: nil)?.name == nil)
        guard case .field(let field) = shorthand.operations[0].selections[0] else {
            Issue.record("expected a field")
            return
        }
        #expect(field.alias == "a" && field.name == "viewer" && field.responseKey == "a")

        let mixed = try GraphQLDocument.parse("query Q { a } mutation M { b } subscription S { c }")
        #expect(mixed.operations.map(\.type) == [.query, .mutation, .subscription])
        #expect(!mixed.isQueryOnly)

        for bad in [
            "", "{}", "{ a", "query { a } { b }", "query Q { a } query Q { b }", "{ ...Missing }",
            "fragment F on T { a } fragment F on T { b } { ...F }", "fragment on on T { a }",
            "type Query { a: Int }", "schema { query: Q }", "query ($a: Int = $b) { a }", "{ a(x: ) }",
            "query Q($a) { a }", "{ a { } }", "extend type T { a: Int }", "query Q { a } garbage",
            String(repeating: "{ a ", count: 200) + String(repeating: "}", count: 200),
            "{ a(x: " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + ") }",
        ] {
            #expect(throws: GraphQLSyntaxError.self, "\(bad.prefix(60).debugDescription) must not parse") {
                try GraphQLDocument.parse(bad)
            }
        }
    }

    @Test("the normalised document drops comments, commas and white space, and keeps every token")
    func normalisation() throws {
        let a = try GraphQLDocument.parse(
            """
            # list the viewer's repositories
            query Repos($first: Int = 10, $after: String) {
              viewer { repositories(first: $first, after: $after, orderBy: {field: NAME, direction: ASC}) {
                nodes { name description } } }
            }
            """)
        let b = try GraphQLDocument.parse(
            "query Repos($first:Int=10 $after:String){viewer{repositories(first:$first after:$after "
                + "orderBy:{field:NAME direction:ASC}){nodes{name description}}}}")
        #expect(a.normalized == b.normalized)
        #expect(
            a.normalized
                == "query Repos($first:Int=10$after:String){viewer{repositories(first:$first after:$after "
                + "orderBy:{field:NAME direction:ASC}){nodes{name description}}}}")
        // A block string and the quoted string of the same value are the same token.
        #expect(
            try GraphQLDocument.parse("{ a(s: \"\"\"\n  x\n  y\n\"\"\") }").normalized
                == GraphQLDocument.parse(#"{ a(s: "x\ny") }"#).normalized)
        // Different documents stay different.
        #expect(try GraphQLDocument.parse("{ a b }").normalized != GraphQLDocument.parse("{ ab }").normalized)
        #expect(
            try GraphQLDocument.parse("{ a(x: 1) }").normalized != GraphQLDocument.parse("{ a(x: 1.0) }").normalized)
        // Canonically equivalent strings (Swift's == would call them equal) are different requests.
        #expect(
            try Array(GraphQLDocument.parse(#"{ a(x: "é") }"#).normalized.unicodeScalars)
                != Array(GraphQLDocument.parse(#"{ a(x: "e\u0301") }"#).normalized.unicodeScalars))
        #expect(
            try GraphQLQuery.classify(body: Array(#"{"query":"{ a(x: \"é\") }"}"#.utf8)).get().key(
                tokenFingerprint: "f", accept: nil, features: nil)
                != GraphQLQuery.classify(body: Array(#"{"query":"{ a(x: \"e\u0301\") }"}"#.utf8)).get().key(
                    tokenFingerprint: "f", accept: nil, features: nil))
    }

    @Test("only a request that is certainly a query is cacheable; everything else says why not")
    func classification() throws {
        func classify(_ body: String) -> Result<GraphQLQuery, GraphQLQuery.Refusal> {
            GraphQLQuery.classify(body: Array(body.utf8))
        }
        let query = try classify(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1}}"#).get()
        #expect(query.runs == "Q" && query.operationName == nil && query.variables == #"{"n":1}"#)
        let named = try classify(
            #"{"query":"query A { a } query B { b }","operationName":"B","variables":null}"#
        ).get()
        #expect(named.runs == "B" && named.variables == "{}")
        #expect(try classify(#"{"query":"{ a }"}"#).get().runs == nil)

        let refusals: [(String, String)] = [
            (#"{"query":"mutation { addStar(input: {}) { clientMutationId } }"}"#, "mutation"),
            (#"{"query":"subscription { a }"}"#, "subscription"),
            (#"{"query":"query A { a } mutation B { b }","operationName":"A"}"#, "mutation"),
            (#"{"query":"{ a"}"#, "does not parse"),
            (#"{"query":"query A { a } query B { b }"}"#, "no operationName"),
            (#"{"query":"query A { a }","operationName":"B"}"#, "no operation \"B\""),
            (#"{"query":"{ a }","extensions":{"persistedQuery":{}}}"#, "member \"extensions\""),
            (#"{"query":"{ a }","variables":[1]}"#, "variables"),
            (#"{"query":"{ a }","operationName":7}"#, "operationName"),
            (#"{"query":"{ a }","query":"{ b }"}"#, "not JSON"),
            (#"{"variables":{}}"#, "no string \"query\""),
            ("[]", "not an object"), ("", "not JSON"), ("{", "not JSON"),
        ]
        for (body, reason) in refusals {
            switch classify(body) {
            case .success: Issue.record("\(body) must not be cacheable")
            case .failure(let refusal): #expect(refusal.reason.contains(reason), "\(body): \(refusal.reason)")
            }
        }
    }

    @Test("the key depends on the token, the document, the variables, operationName and the schema headers")
    func keys() throws {
        func key(
            _ body: String, token: String = "fp-a", accept: String? = nil, features: String? = nil
        ) throws -> String {
            try GraphQLQuery.classify(body: Array(body.utf8)).get().key(
                tokenFingerprint: token, accept: accept, features: features)
        }
        let base = try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1,"m":"x"}}"#)
        // The same request, written differently: the same key.
        #expect(
            try key(#"{ "variables" : {"m":"x","n":1}, "query" : "query Q($n: Int) {\n  a(n: $n) # c\n}" }"#)
                == base)
        #expect(
            try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1,"m":"x"}}"#, token: "fp-b") != base)
        #expect(try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":2,"m":"x"}}"#) != base)
        #expect(try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1.0,"m":"x"}}"#) != base)
        #expect(
            try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1,"m":"x"},"operationName":"Q"}"#)
                != base)
        #expect(
            try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1,"m":"x"}}"#, accept: "x/y")
                != base)
        #expect(
            try key(#"{"query":"query Q($n: Int) { a(n: $n) }","variables":{"n":1,"m":"x"}}"#, features: "f")
                != base)
        #expect(try key(#"{"query":"query Q($n: Int) { b(n: $n) }","variables":{"n":1,"m":"x"}}"#) != base)
        // Numbers beyond Double's precision stay apart.
        #expect(
            try key(#"{"query":"{ a }","variables":{"n":12345678901234567890}}"#)
                != key(#"{"query":"{ a }","variables":{"n":12345678901234567891}}"#))
    }

    @Test("canonical JSON keeps numbers as written, sorts members by scalars and refuses duplicates")
    func canonicalJSON() throws {
        let value = try CanonicalJSON.parse(Array(#" { "b" : [1.50, -0, 2e3, true, null], "a": "\u00e9\n\"" } "#.utf8))
        #expect(value.canonical == "{\"a\":\"é\\u000a\\\"\",\"b\":[1.50,-0,2e3,true,null]}")
        for bad in [
            #"{"a":1,"a":2}"#, "[1,]", "01", "1.", "\"\\ud800\"", "[", "{\"a\" 1}", "nul", "1 2", "\"\u{01}\"",
            String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        ] {
            #expect(throws: CanonicalJSON.SyntaxError.self, "\(bad.prefix(40)) must not parse") {
                try CanonicalJSON.parse(Array(bad.utf8))
            }
        }
    }

    @Test("TTL rules by operation name")
    func ttlRules() throws {
        let rules = try GraphQLTTLPolicy.parseRules("PullRequestList=30, Repository*=300 *=90").get()
        let policy = GraphQLTTLPolicy(defaultTTL: 60, rules: rules)
        #expect(policy.ttl(operation: "PullRequestList") == 30)
        #expect(policy.ttl(operation: "RepositoryInfo") == 300)
        #expect(policy.ttl(operation: "Other") == 90)
        #expect(policy.ttl(operation: nil) == 90)
        #expect(GraphQLTTLPolicy(defaultTTL: 60).ttl(operation: nil) == 60)
        for bad in ["A", "A=x", "1A=3", "A-B=3", "=3", "A=1=2"] {
            #expect(throws: TTLRule.RuleSyntaxError.self) { try GraphQLTTLPolicy.parseRules(bad).get() }
        }
        #expect(ConfigVariable.graphQLTTLRules.isCertainlyValid("A=1,B*=2"))
        #expect(!ConfigVariable.graphQLTTLRules.isCertainlyValid("A"))
    }

    /// SplitMix64: a reproducible random source for the fuzz test.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("fuzz: mutated documents and bodies never crash; a parsed document's normal form is a fixed point")
    func fuzz() throws {
        let seeds = [
            "query Q($a: [Int!]! = [1, 2], $b: String = \"x\") @dir(a: 1) { viewer { login ...F } }\n"
                + "fragment F on User { id ... on User { name(arg: {a: [1.5e3, null, true, ENUM]}) } }",
            "{ a: b(c: \"\"\"\n  block \\\"\"\" string\n\"\"\") # comment\n d }",
            "mutation M { addStar(input: {starrableId: \"x\"}) { clientMutationId } }",
            "subscription { s } query A { a } query B { b }",
        ]
        let alphabet = Array("{}()[]:=!$@&|.,#\"\\ \n\tqueryfragmenton-0123456789eE_aZ\u{FEFF}\u{7}é".unicodeScalars)
        var random = SplitMix(state: 0x5EED_0022)
        var parsed = 0
        for iteration in 0..<3000 {
            var scalars = Array(seeds[iteration % seeds.count].unicodeScalars)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let position = Int.random(in: 0...scalars.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: scalars.insert(alphabet.randomElement(using: &random)!, at: position)
                case 1: if position < scalars.count { scalars.remove(at: position) }
                default:
                    if position < scalars.count { scalars[position] = alphabet.randomElement(using: &random)! }
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            if let document = try? GraphQLDocument.parse(text) {
                parsed += 1
                let again = try GraphQLDocument.parse(document.normalized)
                #expect(again.normalized == document.normalized, "not a fixed point: \(text.debugDescription)")
                #expect(again.operations.map(\.type) == document.operations.map(\.type))
                #expect(again.operations.map(\.name) == document.operations.map(\.name))
            }
            // The same text as a request body, and the body's bytes cut anywhere: never a crash.
            var body = Array("{\"query\":".utf8) + Array(CanonicalJSON.string(text).canonical.utf8) + Array("}".utf8)
            if let classified = try? GraphQLQuery.classify(body: body).get() {
                #expect(try GraphQLDocument.parse(text).isQueryOnly)
                _ = classified.key(tokenFingerprint: "fp", accept: nil, features: nil)
            }
            body = Array(body.prefix(Int.random(in: 0...body.count, using: &random)))
            _ = GraphQLQuery.classify(body: body)
        }
        #expect(parsed > 100, "the fuzzer must also reach valid documents (\(parsed) of 3000)")
    }
}
