import Foundation

/// What a request path refers to.
enum Route: Sendable {
    /// `GET /rate_limit`: live numbers, never charged.
    case rateLimit
    /// A renamed repository: answer 301 with this path (made absolute with the base URL).
    case redirect(String)
    /// A 404 with this body.
    case notFound(JSONValue)
    /// A resource; `identity` names it for versions (`POST /_standin/mutate`).
    case resource(identity: String, source: Source)

    enum Source: Sendable {
        case recorded(Int)
        case account(login: String, organization: Bool)
        case repositories(owner: String, organization: Bool)
        case repository(owner: String, name: String)
        case workflowRuns(owner: String, repo: String)
        case runners(scope: String, count: Int)
    }
}

/// A resource as of one version, before pagination.
struct Representation: Sendable {
    enum Body: Sendable {
        case document(JSONValue)
        case list(items: [JSONValue], itemsKey: String?)
    }
    var body: Body
    /// Recorded or default resource headers (content type, cache control, vary, …).
    var headers: [(String, String)]
}

/// Maps request paths to recorded fixtures or generated data.
struct Router: Sendable {
    let fixtures: FixtureLibrary
    private let recordedPaths: [String: Int]

    static let notFoundBody: JSONValue = [
        "message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404",
    ]

    init(fixtures: FixtureLibrary) {
        self.fixtures = fixtures
        var paths: [String: Int] = [:]
        for (index, resource) in fixtures.resources.enumerated() {
            for path in resource.paths { paths[path] = index }
        }
        recordedPaths = paths
    }

    /// Resolves a request path (no query; a trailing slash is ignored).
    func route(_ rawPath: String) -> Route {
        let path = Self.trimmed(rawPath)
        if let index = recordedPaths[path] {
            return .resource(identity: fixtures.resources[index].paths[0], source: .recorded(index))
        }
        for (old, new) in fixtures.redirects where path == old || path.hasPrefix(old + "/") {
            return .redirect(new + path.dropFirst(old.count))
        }
        if let body = fixtures.notFound[path] { return .notFound(body) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard parts.allSatisfy(Self.isName) else { return .notFound(Self.notFoundBody) }
        let generated: Route.Source? =
            switch parts.count {
            case 1 where parts[0] == "rate_limit": nil
            case 2 where parts[0] == "users": .account(login: parts[1], organization: false)
            case 2 where parts[0] == "orgs": .account(login: parts[1], organization: true)
            case 3 where parts[0] == "users" && parts[2] == "repos": .repositories(owner: parts[1], organization: false)
            case 3 where parts[0] == "orgs" && parts[2] == "repos": .repositories(owner: parts[1], organization: true)
            case 3 where parts[0] == "repos": .repository(owner: parts[1], name: parts[2])
            case 4 where parts[0] == "orgs" && parts[2] == "actions" && parts[3] == "runners":
                .runners(scope: parts[1], count: Generator.organizationRunners)
            case 5 where parts[0] == "repos" && parts[3] == "actions" && parts[4] == "runs":
                .workflowRuns(owner: parts[1], repo: parts[2])
            case 5 where parts[0] == "repos" && parts[3] == "actions" && parts[4] == "runners":
                .runners(scope: "\(parts[1])/\(parts[2])", count: Generator.repositoryRunners)
            default: nil
            }
        if parts == ["rate_limit"] { return .rateLimit }
        if let generated { return .resource(identity: path, source: generated) }
        // `/repositories/{id}/…` of a recorded repository is the same resource as `/repos/{owner}/{name}/…`.
        let canonical = canonicalPath(path)
        if canonical != path { return route(canonical) }
        return .notFound(Self.notFoundBody)
    }

    /// The path without a trailing slash, with `/repositories/{id}/…` of a recorded repository written as
    /// `/repos/{owner}/{name}/…` (the form access rules are checked against).
    func canonicalPath(_ rawPath: String) -> String {
        let path = Self.trimmed(rawPath)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard parts.count >= 2, parts[0] == "repositories", let id = Int(parts[1]),
            let name = fixtures.repositoryNames[id]
        else { return path }
        return (["/repos", name] + parts.dropFirst(2)).joined(separator: "/")
    }

    private static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The resource `source` at `version`, with list filters from `query` applied.
    func represent(_ source: Route.Source, version: Int, query: [String: String]) -> Representation {
        switch source {
        case .recorded(let index):
            let resource = fixtures.resources[index]
            switch resource.content {
            case .documents(let versions):
                let document = versions[min(version, versions.count - 1)]
                let touched = version >= versions.count ? Self.touch(document, version: version) : document
                return Representation(body: .document(touched), headers: resource.headers)
            case .list(let items, let itemsKey):
                let touched =
                    version > 0 && !items.isEmpty ? [Self.touch(items[0], version: version)] + items.dropFirst() : items
                let filtered = itemsKey == "workflow_runs" ? Self.filter(touched, query) : touched
                return Representation(body: .list(items: filtered, itemsKey: itemsKey), headers: resource.headers)
            }
        case .account(let login, let organization):
            return generated(
                .document(Self.touch(Generator.account(login, organization: organization), version: version)))
        case .repositories(let owner, let organization):
            return generated(
                .list(
                    items: Generator.repositories(owner: owner, organization: organization, version: version),
                    itemsKey: nil))
        case .repository(let owner, let name):
            return generated(
                .document(Generator.repository(owner: owner, name: name, organization: false, version: version)))
        case .workflowRuns(let owner, let repo):
            let runs = Generator.workflowRuns(owner: owner, repo: repo, version: version)
            return generated(.list(items: Self.filter(runs, query), itemsKey: "workflow_runs"))
        case .runners(let scope, let count):
            return generated(
                .list(items: Generator.runners(scope: scope, count: count, version: version), itemsKey: "runners"))
        }
    }

    private func generated(_ body: Representation.Body) -> Representation {
        Representation(body: body, headers: Self.generatedHeaders)
    }

    static let generatedHeaders: [(String, String)] = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"), ("Vary", "Accept-Encoding, Accept, X-Requested-With"),
        ("X-GitHub-Media-Type", "github.v3; format=json"), ("x-github-api-version-selected", "2022-11-28"),
        ("X-Content-Type-Options", "nosniff"),
    ]

    /// Workflow-run filters as GitHub applies them: `status` (a status or a conclusion), `branch`, `event`.
    private static func filter(_ items: [JSONValue], _ query: [String: String]) -> [JSONValue] {
        let statuses: Set<String> = ["queued", "in_progress", "completed", "requested", "waiting", "pending"]
        return items.filter { item in
            if let status = query["status"] {
                let field = statuses.contains(status) ? "status" : "conclusion"
                if item[field]?.stringValue != status { return false }
            }
            if let branch = query["branch"], item["head_branch"]?.stringValue != branch { return false }
            if let event = query["event"], item["event"]?.stringValue != event { return false }
            return true
        }
    }

    /// Marks a recorded document as changed by moving its `updated_at` (added if absent) `version` minutes past
    /// the stand-in epoch.
    private static func touch(_ document: JSONValue, version: Int) -> JSONValue {
        guard case .object(var members) = document else { return document }
        members["updated_at"] = .string(
            Timestamps.iso8601(Generator.epoch.addingTimeInterval(TimeInterval(version * 60))))
        return .object(members)
    }

    /// GitHub login and repository names: letters, digits, `-`, `_`, `.` (not `.`/`..`).
    private static func isName(_ part: String) -> Bool {
        !part.isEmpty && part != "." && part != ".." && part.utf8.count <= 100
            && part.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "-_.".unicodeScalars.contains(scalar))
            }
    }
}
