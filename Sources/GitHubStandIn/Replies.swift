import Foundation
import NIOHTTP1

/// The answers built from resources and recorded bodies: pages, validators, rate-limit documents and errors.
extension StandInEngine {
    /// 200 with the body (one page of a list, with `Link`), or a 304 when the client's validator still matches.
    /// Returns whether the answer is charged; the caller adds the rate-limit headers.
    ///
    /// Validators follow GitHub: the ETag is `formula` over the request's `Accept`, `Authorization` and `Cookie`
    /// and the body (``StandInETag``), so it is bound to the token as sent, and only single objects carry
    /// `Last-Modified` and honour `If-Modified-Since`. Lists (a JSON array, or a wrapped list such as
    /// `{"total_count":…,"workflow_runs":[…]}`) have no `Last-Modified`, so an `If-Modified-Since` on them is a
    /// full, charged 200. The body is the one `viewer` sees (`path` is the canonical request path).
    func resourceReply(
        _ request: IncomingRequest, source: Route.Source, path: String, version: Int, lastModified: Date,
        base: String, viewer: Viewer, formula: ETagFormula
    ) -> (Reply, charged: Bool) {
        let representation = router.represent(source, version: version, query: request.query)
        var body: JSONValue
        var linkHeader: String?
        let modified: Date?
        switch view(representation.body, source: source, path: path, viewer: viewer) {
        case .document(let document):
            body = document
            modified = lastModified
        case .list(let items, let itemsKey):
            let pagination = Pagination(query: request.query)
            let page = JSONValue.array(pagination.slice(items))
            body = itemsKey.map { ["total_count": .int(items.count), $0: page] } ?? page
            linkHeader = pagination.linkHeader(
                count: items.count, base: base, path: request.path, queryItems: request.queryItems)
            modified = nil
        }
        let bytes = rewriteBase(body.serialized(), base: base)
        let etag = StandInETag.tag(
            formula, requestHeaders: request.headers.map { ($0.name, $0.value) }, body: bytes, salt: salt)
        var headers = representation.headers
        if !headers.contains(where: { $0.0.lowercased() == "cache-control" }) {
            let scope = viewer.token == nil ? "public" : "private"
            headers.append(("Cache-Control", "\(scope), max-age=60, s-maxage=60"))
        }
        headers.append(("ETag", etag))
        if let modified { headers.append(("Last-Modified", Timestamps.httpDate(modified))) }
        if Self.notModified(request.headers, etag: etag, lastModified: modified) {
            let kept = headers.filter {
                ["cache-control", "vary", "etag", "last-modified"].contains($0.0.lowercased())
            }
            return (Reply(status: .notModified, headers: kept, body: nil), false)
        }
        if let linkHeader { headers.append(("Link", linkHeader)) }
        return (Reply(status: .ok, headers: headers, body: bytes), true)
    }

    func baseModification(_ source: Route.Source) -> Date {
        if case .recorded(let index) = source { return router.fixtures.resources[index].lastModified }
        return Generator.epoch
    }

    func rewriteBase(_ bytes: Data, base: String) -> Data {
        guard let text = String(data: bytes, encoding: .utf8) else { return bytes }
        return Data(text.replacingOccurrences(of: "https://api.github.com", with: base).utf8)
    }

    /// RFC 9110 §13.1: `If-None-Match` (weak comparison, `*`, lists) wins over `If-Modified-Since`, which counts
    /// only for a resource that has a `lastModified` (single objects; GitHub ignores it on lists).
    static func notModified(_ headers: HTTPHeaders, etag: String, lastModified: Date?) -> Bool {
        let candidates = headers["If-None-Match"].flatMap { $0.split(separator: ",") }
        if !candidates.isEmpty {
            let opaque = etag.hasPrefix("W/") ? etag.dropFirst(2) : Substring(etag)
            return candidates.contains { candidate in
                let tag = candidate.trimmingCharacters(in: .whitespaces)
                return tag == "*" || (tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag)) == opaque
            }
        }
        if let lastModified, let since = headers.first(name: "If-Modified-Since").flatMap(Timestamps.parseHTTPDate) {
            return lastModified <= since
        }
        return false
    }

    func addDocumentation(_ body: JSONValue) -> JSONValue {
        guard case .object(var members) = body, members["documentation_url"] == nil else { return body }
        members["documentation_url"] = "https://docs.github.com/rest"
        return .object(members)
    }

    func rateLimitReply(_ budget: RateLimitBudget) -> Reply {
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
    func primaryLimitReply(_ budget: RateLimitBudget, credential: Credential, client: String) -> Reply {
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
