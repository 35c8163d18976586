import Foundation
import Synchronization

/// One recorded exchange, in the format of `Fixtures/README` (`request`, `response.status/headers/body`).
struct RecordedExchange: Decodable, Sendable {
    struct Request: Decodable, Sendable {
        var method: String
        var url: String
    }
    struct Response: Decodable, Sendable {
        var status: Int
        var headers: [[String]]
        var body: JSONValue
    }
    var request: Request
    var response: Response

    /// The request path (no query), e.g. `/repos/octokit-fixture-org/hello-world`.
    var path: String { URLComponents(string: request.url)?.path ?? request.url }

    /// Values of the recorded header `name` (case-insensitive), in order.
    func headerValues(_ name: String) -> [String] {
        response.headers.compactMap { pair in
            pair.count == 2 && pair[0].caseInsensitiveCompare(name) == .orderedSame ? pair[1] : nil
        }
    }

    /// Recorded headers that describe the resource rather than the wire or the moment: replayed as recorded.
    /// Everything else (`Content-Length`, `Content-Encoding`, `Transfer-Encoding`, `Connection`, `Date`, `ETag`,
    /// `Last-Modified`, `Link`, `Location`, `Status`, `X-RateLimit-*`, request ids) is dropped or recomputed.
    var replayableHeaders: [(String, String)] {
        response.headers.compactMap { pair in
            guard pair.count == 2, Self.replayable.contains(pair[0].lowercased()) else { return nil }
            return (pair[0], pair[1])
        }
    }

    private static let replayable: Set<String> = [
        "server", "content-type", "cache-control", "vary", "x-github-media-type", "x-github-api-version-selected",
        "access-control-expose-headers", "access-control-allow-origin", "x-content-type-options",
        "strict-transport-security", "x-frame-options", "x-xss-protection", "referrer-policy",
        "content-security-policy", "x-accepted-oauth-scopes", "x-accepted-github-permissions", "gh-limited-by",
    ]

    /// The recorded `Last-Modified`, else the recorded `Date`.
    var recordedModification: Date? {
        (headerValues("Last-Modified").first ?? headerValues("Date").first).flatMap(Timestamps.parseHTTPDate)
    }
}

/// A recorded resource served at one or more paths (the `/repos/{o}/{r}/…` form and the `/repositories/{id}/…`
/// form seen in recorded `Link` headers).
struct RecordedResource: Sendable {
    enum Content: Sendable {
        /// Successive documents: version 0 is the first recording; each mutation moves to the next (the last
        /// one then stays, with its `updated_at` moved on).
        case documents([JSONValue])
        /// A list whose recorded pages were concatenated; re-paginated with the request's `page`/`per_page`.
        /// `itemsKey` names the inner array of a wrapped list (`{"total_count":N,"workflow_runs":[…]}`).
        case list(items: [JSONValue], itemsKey: String?)
    }
    var paths: [String]
    var content: Content
    var headers: [(String, String)]
    var lastModified: Date
}

/// The recorded fixtures the stand-in replays, loaded once at start.
struct FixtureLibrary: Sendable {
    var resources: [RecordedResource]
    /// Recorded redirects of renamed repositories: old path → new path.
    var redirects: [String: String]
    /// Recorded 404 bodies by path.
    var notFound: [String: JSONValue]
    /// `/repositories/{id}` → `owner/name`, from recorded repository documents.
    var repositoryNames: [Int: String]
    var rateLimitTemplate: JSONValue
    var badCredentials: RecordedExchange
    var primaryLimit: RecordedExchange
    var secondaryLimit: RecordedExchange

    /// Fixture libraries already parsed in this process, by directory (servers started by tests share them).
    private static let loaded = Mutex<[URL: FixtureLibrary]>([:])

    /// Loads the bundled fixtures (`directory == nil`) or a directory with the same layout, once per process.
    static func load(from directory: URL?) throws -> FixtureLibrary {
        let root = try directory ?? bundledDirectory()
        if let library = loaded.withLock({ $0[root] }) { return library }
        let library = try parse(root)
        loaded.withLock { $0[root] = library }
        return library
    }

    private static func parse(_ root: URL) throws -> FixtureLibrary {
        func read(_ name: String) throws -> RecordedExchange {
            let url = root.appendingPathComponent(name)
            do {
                return try JSONDecoder().decode(RecordedExchange.self, from: Data(contentsOf: url))
            } catch {
                throw StandInError.fixtures("cannot read fixture \(url.path): \(error.localizedDescription)")
            }
        }
        func documents(_ names: [String]) throws -> RecordedResource {
            let files = try names.map(read)
            return RecordedResource(
                paths: unique(files.map(\.path)), content: .documents(files.map(\.response.body)),
                headers: files[0].replayableHeaders, lastModified: files[0].recordedModification ?? Generator.epoch)
        }
        func list(_ names: [String], itemsKey: String?) throws -> RecordedResource {
            let files = try names.map(read)
            let items = files.flatMap { file in
                (itemsKey.map { file.response.body[$0] } ?? file.response.body)?.arrayValue ?? []
            }
            return RecordedResource(
                paths: unique(files.map(\.path)), content: .list(items: items, itemsKey: itemsKey),
                headers: files[0].replayableHeaders,
                lastModified: files.compactMap(\.recordedModification).max() ?? Generator.epoch)
        }

        let resources = [
            try documents(["root/get-root.200.json"]),
            try documents(["repos/get-repository.200.json"]),
            try documents(["orgs/get-organization.200.json"]),
            try documents(["conditional/get-repository.200.json", "conditional/get-repository-changed.200.json"]),
            try documents(["redirects/get-repository-by-id.200.json"]),
            try list((1...5).map { "pagination/list-repo-issues.page-\($0).200.json" }, itemsKey: nil),
            try list((1...3).map { "actions/list-repo-workflow-runs.page-\($0).200.json" }, itemsKey: "workflow_runs"),
            try list(["pygithub/actions/list-repo-runners.200.json"], itemsKey: "runners"),
        ]
        var repositoryNames: [Int: String] = [:]
        for resource in resources {
            guard case .documents(let versions) = resource.content else { continue }
            for document in versions {
                if let id = document["id"]?.intValue, let name = document["full_name"]?.stringValue {
                    repositoryNames[id] = name
                }
            }
        }
        let runs = try read("actions/list-repo-workflow-runs.page-1.200.json")
        if let id = runs.response.body["workflow_runs"]?.arrayValue?.first?["repository"]?["id"]?.intValue,
            let name = runs.response.body["workflow_runs"]?.arrayValue?.first?["repository"]?["full_name"]?
                .stringValue
        {
            repositoryNames[id] = name
        }

        let renamed = try read("redirects/get-renamed-repository.301.json")
        guard let location = renamed.headerValues("Location").first.flatMap(URLComponents.init(string:))?.path else {
            throw StandInError.fixtures("redirects/get-renamed-repository.301.json has no Location header")
        }
        let missing = try read("repos/get-repository-not-found.404.json")
        return FixtureLibrary(
            resources: resources, redirects: [renamed.path: location], notFound: [missing.path: missing.response.body],
            repositoryNames: repositoryNames,
            rateLimitTemplate: try read("rate-limit/get-rate-limit.200.json").response.body,
            badCredentials: try read("pygithub/errors/bad-credentials.401.json"),
            primaryLimit: try read("pygithub/errors/primary-rate-limit-exceeded.403.json"),
            secondaryLimit: try read("errors/secondary-rate-limit.403.json"))
    }

    private static func bundledDirectory() throws -> URL {
        guard let url = StandInConfiguration.bundledFixturesDirectory else {
            throw StandInError.fixtures("the bundled Fixtures folder is missing; pass --fixtures DIR")
        }
        return url
    }

    private static func unique(_ paths: [String]) -> [String] {
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted }
    }
}

/// Errors the stand-in reports to its caller.
public enum StandInError: Error, CustomStringConvertible, Sendable {
    /// The fixtures could not be loaded.
    case fixtures(String)
    /// A control request was malformed.
    case badControlRequest(String)

    public var description: String {
        switch self {
        case .fixtures(let message): "fixtures: \(message)"
        case .badControlRequest(let message): message
        }
    }
}
