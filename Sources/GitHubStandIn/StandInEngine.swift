import Crypto
import Foundation
import NIOHTTP1
import Synchronization

/// The stand-in's behaviour, independent of the network: decides the answer to each request and keeps the
/// counters, budgets, faults and resource versions. Thread-safe.
final class StandInEngine: Sendable {
    struct State: Sendable {
        var stats = StandInStats()
        var budgets: [String: RateLimitBudget] = [:]
        var faults: [ActiveFault] = []
        var nextFaultID = 1
        var versions: [String: Int] = [:]
        var modified: [String: Date] = [:]
    }

    let configuration: StandInConfiguration
    let router: Router
    let state = Mutex(State())

    init(configuration: StandInConfiguration, fixtures: FixtureLibrary) {
        self.configuration = configuration
        self.router = Router(fixtures: fixtures)
    }

    /// Decides the answer to `request` (an API or a control request).
    func plan(_ request: IncomingRequest, now: Date = Date()) -> ReplyPlan {
        if request.path == "/_standin" || request.path.hasPrefix("/_standin/") {
            return .respond(control(request, now: now), delay: .zero)
        }
        let (plan, charged) = state.withLock { state in api(request, now: now, state: &state) }
        if let log = configuration.requestLog {
            let outcome: String =
                switch plan {
                case .respond(let reply, _): "\(reply.status.code)"
                case .hang: "hang"
                case .reset: "reset"
                }
            log("\(request.method.rawValue) \(request.uri) -> \(outcome)\(charged ? " (charged)" : "")")
        }
        return plan
    }

    // MARK: API requests

    private enum Credential {
        case anonymous
        case token(String)
        case invalid
    }

    private static func credential(_ headers: HTTPHeaders) -> Credential {
        guard let value = headers.first(name: "Authorization") else { return .anonymous }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["token", "bearer"].contains(parts[0].lowercased()) else { return .invalid }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.hasPrefix("bad") ? .invalid : .token(token)
    }

    private func api(_ request: IncomingRequest, now: Date, state: inout State) -> (ReplyPlan, Bool) {
        let base = Self.baseURL(request)
        let common: [(String, String)] = [
            ("Server", "GitHub.com"), ("Date", Timestamps.httpDate(now)),
            ("X-GitHub-Request-Id", "STANDIN:\(state.stats.total + 1)"),
        ]
        func finish(_ reply: Reply, charged: Bool, delay: Duration) -> (ReplyPlan, Bool) {
            state.stats.record(uri: request.uri, charged: charged)
            var reply = reply
            let present = Set(reply.headers.map { $0.0.lowercased() })
            reply.headers = common.filter { !present.contains($0.0.lowercased()) } + reply.headers
            return (.respond(reply, delay: delay), charged)
        }

        let credential = Self.credential(request.headers)
        let budgetKey: String
        let limit: Int
        let tokenKey: String
        switch credential {
        case .token(let token):
            (budgetKey, limit, tokenKey) = ("token:\(token)", configuration.rateLimit, token)
        case .anonymous, .invalid:
            (budgetKey, limit, tokenKey) = (
                "client:\(request.clientAddress)", configuration.unauthenticatedRateLimit, ""
            )
        }
        var budget = state.budgets[budgetKey] ?? RateLimitBudget(limit: limit, now: now)
        budget.refill(now: now)
        defer { state.budgets[budgetKey] = budget }
        var delay = configuration.latency

        if case .invalid = credential {
            return finish(
                .json(
                    .unauthorized, addDocumentation(router.fixtures.badCredentials.response.body),
                    headers: budget.headers),
                charged: false, delay: delay)
        }

        if let fault = takeFault(matching: request.uri, state: &state) {
            switch fault.kind {
            case .hang:
                guard let ms = fault.ms else {
                    state.stats.record(uri: request.uri, charged: false)
                    return (.hang, false)
                }
                delay += .milliseconds(ms)
            case .latency:
                delay += .milliseconds(fault.ms ?? 0)
            case .reset:
                state.stats.record(uri: request.uri, charged: false)
                return (.reset, false)
            case .status:
                let status = HTTPResponseStatus(statusCode: fault.status ?? 500)
                return finish(
                    .githubError(status, message: status.reasonPhrase, headers: budget.headers), charged: false,
                    delay: delay)
            case .secondary:
                let status = HTTPResponseStatus(statusCode: fault.status ?? 403)
                let recorded = router.fixtures.secondaryLimit
                let headers =
                    recorded.replayableHeaders.filter { $0.0.lowercased() == "gh-limited-by" }
                    + [("Retry-After", "\(fault.retryAfter ?? 60)")] + budget.headers
                return finish(
                    .json(status, addDocumentation(recorded.response.body), headers: headers), charged: false,
                    delay: delay)
            case .primary:
                budget.exhaust(until: now.addingTimeInterval(TimeInterval(fault.retryAfter ?? 60)))
            }
        }

        let route = router.route(request.path)
        if case .rateLimit = route, request.method == .GET || request.method == .HEAD {
            return finish(rateLimitReply(budget), charged: false, delay: delay)
        }
        if budget.remaining == 0 {
            return finish(
                primaryLimitReply(budget, credential: credential, client: request.clientAddress), charged: false,
                delay: delay)
        }
        guard request.method == .GET || request.method == .HEAD else {
            budget.charge()
            return finish(.json(.notFound, Router.notFoundBody, headers: budget.headers), charged: true, delay: delay)
        }

        switch route {
        case .rateLimit:
            return finish(rateLimitReply(budget), charged: false, delay: delay)
        case .notFound(let body):
            budget.charge()
            return finish(.json(.notFound, body, headers: budget.headers), charged: true, delay: delay)
        case .redirect(let path):
            budget.charge()
            let location = base + path
            let body: JSONValue = [
                "message": "Moved Permanently", "url": .string(location),
                "documentation_url": "https://docs.github.com/v3/#http-redirects",
            ]
            return finish(
                .json(.movedPermanently, body, headers: [("Location", location)] + budget.headers), charged: true,
                delay: delay)
        case .resource(let identity, let source):
            let version = state.versions[identity] ?? 0
            let lastModified = state.modified[identity] ?? baseModification(source)
            let representation = router.represent(source, version: version, query: request.query)
            var body: JSONValue
            var linkHeader: String?
            switch representation.body {
            case .document(let document):
                body = document
            case .list(let items, let itemsKey):
                let pagination = Pagination(query: request.query)
                let page = JSONValue.array(pagination.slice(items))
                body = itemsKey.map { ["total_count": .int(items.count), $0: page] } ?? page
                linkHeader = pagination.linkHeader(
                    count: items.count, base: base, path: request.path, queryItems: request.queryItems)
            }
            let bytes = rewriteBase(body.serialized(), base: base)
            let etag = Self.etag(bytes, token: tokenKey, version: version)
            var headers = representation.headers
            if !headers.contains(where: { $0.0.lowercased() == "cache-control" }) {
                let scope = tokenKey.isEmpty ? "public" : "private"
                headers.append(("Cache-Control", "\(scope), max-age=60, s-maxage=60"))
            }
            headers += [("ETag", etag), ("Last-Modified", Timestamps.httpDate(lastModified))]
            if Self.notModified(request.headers, etag: etag, lastModified: lastModified) {
                let kept = headers.filter {
                    ["cache-control", "vary", "etag", "last-modified"].contains($0.0.lowercased())
                }
                return finish(
                    Reply(status: .notModified, headers: kept + budget.headers, body: nil), charged: false, delay: delay
                )
            }
            budget.charge()
            if let linkHeader { headers.append(("Link", linkHeader)) }
            return finish(
                Reply(status: .ok, headers: headers + budget.headers, body: bytes), charged: true, delay: delay)
        }
    }

    /// Takes the first active fault whose prefix matches `uri`, using up one of its matches.
    private func takeFault(matching uri: String, state: inout State) -> FaultSpec? {
        guard let index = state.faults.firstIndex(where: { uri.hasPrefix($0.spec.pathPrefix) }) else { return nil }
        let fault = state.faults[index]
        if fault.remaining > 0 {
            state.faults[index].remaining -= 1
            if state.faults[index].remaining == 0 { state.faults.remove(at: index) }
        }
        return fault.spec
    }

    private func baseModification(_ source: Route.Source) -> Date {
        if case .recorded(let index) = source { return router.fixtures.resources[index].lastModified }
        return Generator.epoch
    }

    /// The base URL clients used (from `Host`), for links and bodies; else the listening address.
    private static func baseURL(_ request: IncomingRequest) -> String {
        guard let host = request.headers.first(name: "Host"), !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-:[]".unicodeScalars.contains($0))
            })
        else { return request.serverBase }
        return "http://\(host)"
    }

    private func rewriteBase(_ bytes: Data, base: String) -> Data {
        guard let text = String(data: bytes, encoding: .utf8) else { return bytes }
        return Data(text.replacingOccurrences(of: "https://api.github.com", with: base).utf8)
    }

    /// A weak ETag over the body, the resource version and the token: GitHub binds validators to the token.
    static func etag(_ body: Data, token: String, version: Int) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(token)\u{0}\(version)\u{0}".utf8))
        hasher.update(data: body)
        return "W/\"" + hasher.finalize().map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// RFC 9110 §13.1: `If-None-Match` (weak comparison, `*`, lists) wins over `If-Modified-Since`.
    static func notModified(_ headers: HTTPHeaders, etag: String, lastModified: Date) -> Bool {
        let candidates = headers["If-None-Match"].flatMap { $0.split(separator: ",") }
        if !candidates.isEmpty {
            let opaque = etag.hasPrefix("W/") ? etag.dropFirst(2) : Substring(etag)
            return candidates.contains { candidate in
                let tag = candidate.trimmingCharacters(in: .whitespaces)
                return tag == "*" || (tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag)) == opaque
            }
        }
        if let since = headers.first(name: "If-Modified-Since").flatMap(Timestamps.parseHTTPDate) {
            return lastModified <= since
        }
        return false
    }

    private func addDocumentation(_ body: JSONValue) -> JSONValue {
        guard case .object(var members) = body, members["documentation_url"] == nil else { return body }
        members["documentation_url"] = "https://docs.github.com/rest"
        return .object(members)
    }

    private func rateLimitReply(_ budget: RateLimitBudget) -> Reply {
        var body = router.fixtures.rateLimitTemplate
        if case .object(var members) = body {
            if case .object(var resources) = members["resources"] {
                // Only `core` is metered; the other buckets are reported full, with a live reset time.
                for (name, bucket) in resources {
                    guard let limit = bucket["limit"]?.intValue else { continue }
                    let reset = Int(budget.reset.timeIntervalSince1970)
                    resources[name] = [
                        "limit": .int(limit), "remaining": .int(limit), "reset": .int(reset), "used": 0,
                        "resource": .string(name),
                    ]
                }
                resources["core"] = budget.json
                members["resources"] = .object(resources)
            }
            members["rate"] = budget.json
            body = .object(members)
        }
        return .json(.ok, body, headers: [("Cache-Control", "no-cache")] + budget.headers)
    }

    /// The recorded primary-limit 403, its address replaced by this client's (or the token's user id).
    private func primaryLimitReply(_ budget: RateLimitBudget, credential: Credential, client: String) -> Reply {
        var body = router.fixtures.primaryLimit.response.body
        if case .object(var members) = body, let message = members["message"]?.stringValue,
            let range = message.range(of: " for ", options: .backwards)
        {
            let who: String
            if case .token(let token) = credential {
                who = "user ID \(Generator.stableID("user:\(token)"))"
            } else {
                who = client
            }
            members["message"] = .string(message[..<range.upperBound] + who)
            members["documentation_url"] =
                "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
            body = .object(members)
        }
        return .json(.forbidden, body, headers: budget.headers)
    }
}
