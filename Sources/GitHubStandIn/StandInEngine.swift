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
        /// GraphQL mutations executed (each answer names its number, so no two are alike).
        var mutations = 0
        var access: StandInAccess
        var etagFormula: ETagFormula
        /// Registered GitHub Apps and the installation tokens minted.
        var apps: StandInAppState

        init(_ configuration: StandInConfiguration) {
            access = configuration.access
            apps = StandInAppState(apps: configuration.apps)
            etagFormula = configuration.etagFormula
        }
    }

    let configuration: StandInConfiguration
    let router: Router
    let state: Mutex<State>
    /// Drawn once per server: the secret of ``ETagFormula/salted``.
    let salt = UUID().uuidString

    init(configuration: StandInConfiguration, fixtures: FixtureLibrary) {
        self.configuration = configuration
        self.router = Router(fixtures: fixtures)
        self.state = Mutex(State(configuration))
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

    enum Credential {
        case anonymous
        case token(String)
        case invalid
    }

    static func credential(_ headers: HTTPHeaders) -> Credential {
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
        if case .anonymous = credential { state.stats.anonymous += 1 }
        let isGraphQL = request.method == .POST && (request.path == "/graphql" || request.path == "/api/graphql")
        // GraphQL has its own rate-limit bucket per token.
        let budgetKey: String
        let limit: Int
        switch credential {
        case .token(let token):
            (budgetKey, limit) = ("\(isGraphQL ? "graphql" : "token"):\(token)", configuration.rateLimit)
        case .anonymous, .invalid:
            (budgetKey, limit) = ("client:\(request.clientAddress)", configuration.unauthenticatedRateLimit)
        }
        var budget =
            state.budgets[budgetKey]
            ?? RateLimitBudget(
                limit: limit, now: now, resource: isGraphQL && budgetKey.hasPrefix("graphql:") ? "graphql" : "core")
        budget.refill(now: now)
        defer { state.budgets[budgetKey] = budget }
        var delay = configuration.latency

        // GitHub App requests (JWT) and installation tokens: minted, used, or expired (401 Bad credentials).
        if let reply = appReply(request, now: now, state: &state) {
            var reply = reply
            reply.headers += budget.headers
            return finish(reply, charged: false, delay: delay)
        }

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

        if isGraphQL {
            let (reply, charged) = graphQLReply(request, credential: credential, budget: &budget, state: &state)
            return finish(reply, charged: charged, delay: delay)
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
            let viewer = Viewer(credential: credential, access: state.access)
            let path = router.canonicalPath(request.path)
            if let denial = denial(path, viewer: viewer) {
                if state.access.notModifiedWhenRefused, !request.headers.contains(name: "If-None-Match"),
                    request.headers.contains(name: "If-Modified-Since")
                {
                    return finish(
                        Reply(status: .notModified, headers: budget.headers, body: nil), charged: false, delay: delay)
                }
                // 404 and 403 are charged like any authenticated answer; GitHub does not charge 401s.
                let charged = denial.status != .unauthorized
                if charged { budget.charge() }
                var reply = denial
                reply.headers += budget.headers
                return finish(reply, charged: charged, delay: delay)
            }
            let version = state.versions[identity] ?? 0
            let lastModified = state.modified[identity] ?? baseModification(source)
            var (reply, charged) = resourceReply(
                request, source: source, path: path, version: version, lastModified: lastModified, base: base,
                viewer: viewer, formula: state.etagFormula)
            if charged { budget.charge() }
            reply.headers += budget.headers
            return finish(reply, charged: charged, delay: delay)
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

    /// The base URL clients used (from `Host`), for links and bodies; else the listening address.
    private static func baseURL(_ request: IncomingRequest) -> String {
        guard let host = request.headers.first(name: "Host"), !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-:[]".unicodeScalars.contains($0))
            })
        else { return request.serverBase }
        return "http://\(host)"
    }
}
