import Foundation

/// Deterministic synthetic GitHub data for any owner or repository: the same request always yields the same
/// body, and a resource's version (bumped by `POST /_standin/mutate`) changes it in a realistic way.
///
/// URLs use `https://api.github.com`; the responder rewrites them to the stand-in's base URL like all bodies.
enum Generator {
    /// Repositories listed for every user and organisation (more than one default page of 30).
    static let repositoriesPerOwner = 45
    /// Workflow runs every repository starts with: `queuedRuns` queued, `inProgressRuns` in progress, the rest
    /// completed. Each mutation of the runs resource adds one queued run.
    static let workflowRunsPerRepository = 35
    static let queuedRuns = 3
    static let inProgressRuns = 2
    /// Self-hosted runners registered to every repository and every organisation.
    static let repositoryRunners = 4
    static let organizationRunners = 12
    /// The instant generated resources were "last modified" before any mutation: 2025-01-06T12:00:00Z.
    static let epoch = Date(timeIntervalSince1970: 1_736_164_800)

    private static let api = "https://api.github.com"
    private static let web = "https://github.com"

    /// A stable positive identifier for `text` (FNV-1a, 64-bit) in `1...limit`.
    static func stableID(_ text: String, limit: Int = 900_000_000) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(limit)) + 1
    }

    private static func timestamp(_ offset: TimeInterval) -> JSONValue {
        .string(Timestamps.iso8601(epoch.addingTimeInterval(offset)))
    }

    private static func sha(_ text: String) -> String {
        var hex = ""
        var seed = text
        while hex.count < 40 {
            hex += String(stableID(seed, limit: Int(Int32.max)), radix: 16)
            seed += "+"
        }
        return String(hex.prefix(40))
    }

    static func account(_ login: String, organization: Bool) -> JSONValue {
        let id = stableID("account:\(login.lowercased())")
        let kind = organization ? "orgs" : "users"
        return [
            "login": .string(login), "id": .int(id), "node_id": .string("U_\(id)"),
            "avatar_url": .string("https://avatars.githubusercontent.com/u/\(id)?v=4"), "gravatar_id": "",
            "url": .string("\(api)/\(kind)/\(login)"), "html_url": .string("\(web)/\(login)"),
            "repos_url": .string("\(api)/\(kind)/\(login)/repos"),
            "type": .string(organization ? "Organization" : "User"), "site_admin": false,
        ]
    }

    /// A full repository object in the modern shape. `version` > 0 moves `updated_at`/`pushed_at` on.
    static func repository(owner: String, name: String, organization: Bool, version: Int) -> JSONValue {
        let fullName = "\(owner)/\(name)"
        let id = stableID("repo:\(fullName.lowercased())")
        let age = TimeInterval(stableID(fullName, limit: 1000)) * 86_400
        return [
            "id": .int(id), "node_id": .string("R_\(id)"), "name": .string(name), "full_name": .string(fullName),
            "private": false, "owner": account(owner, organization: organization),
            "html_url": .string("\(web)/\(fullName)"),
            "description": .string("Generated repository \(fullName) (ghcache stand-in)"),
            "fork": false, "url": .string("\(api)/repos/\(fullName)"),
            "created_at": timestamp(-age), "updated_at": timestamp(TimeInterval(version * 60)),
            "pushed_at": timestamp(TimeInterval(version * 60)),
            "git_url": .string("git://github.com/\(fullName).git"),
            "clone_url": .string("\(web)/\(fullName).git"),
            "homepage": nil, "size": .int(stableID("size:\(fullName)", limit: 50_000)),
            "stargazers_count": .int(stableID("stars:\(fullName)", limit: 500) - 1),
            "watchers_count": .int(stableID("stars:\(fullName)", limit: 500) - 1),
            "language": .string(["Swift", "Python", "Go", "Rust", "Shell"][id % 5]),
            "forks_count": .int(id % 17), "open_issues_count": .int(id % 11), "archived": false,
            "disabled": false, "visibility": "public", "topics": [], "default_branch": "main",
        ]
    }

    /// The repositories of `owner`, sorted by name as GitHub sorts `full_name`. A mutation of the list bumps the
    /// first repository's `updated_at`.
    static func repositories(owner: String, organization: Bool, version: Int) -> [JSONValue] {
        (1...repositoriesPerOwner).map { index in
            let name = index < 10 ? "repo-0\(index)" : "repo-\(index)"
            return repository(owner: owner, name: name, organization: organization, version: index == 1 ? version : 0)
        }
    }

    /// Workflow runs, newest first: `version` runs queued by mutations, then the initial runs.
    static func workflowRuns(owner: String, repo: String, version: Int) -> [JSONValue] {
        let fullName = "\(owner)/\(repo)"
        let base = stableID("runs:\(fullName.lowercased())", limit: 1_000_000) * 1000
        let added = (0..<max(version, 0)).map { k in
            workflowRun(
                fullName, id: base + workflowRunsPerRepository + version - k,
                number: workflowRunsPerRepository + version - k, status: "queued", conclusion: nil,
                offset: TimeInterval((version - k) * 60))
        }
        let initial = (0..<workflowRunsPerRepository).map { index -> JSONValue in
            let status: String
            let conclusion: JSONValue
            if index < queuedRuns {
                (status, conclusion) = ("queued", nil)
            } else if index < queuedRuns + inProgressRuns {
                (status, conclusion) = ("in_progress", nil)
            } else {
                (status, conclusion) = ("completed", index % 5 == 0 ? "failure" : "success")
            }
            return workflowRun(
                fullName, id: base + workflowRunsPerRepository - index,
                number: workflowRunsPerRepository - index, status: status, conclusion: conclusion,
                offset: TimeInterval(-index * 600))
        }
        return added + initial
    }

    private static func workflowRun(
        _ fullName: String, id: Int, number: Int, status: String, conclusion: JSONValue, offset: TimeInterval
    ) -> JSONValue {
        let event = number % 3 == 0 ? "pull_request" : "push"
        return [
            "id": .int(id), "name": "CI", "node_id": .string("WFR_\(id)"),
            "head_branch": .string(number % 4 == 0 ? "feature-\(number)" : "main"),
            "head_sha": .string(sha("\(fullName)#\(number)")), "path": ".github/workflows/ci.yml",
            "display_title": .string("CI run \(number)"), "run_number": .int(number), "event": .string(event),
            "status": .string(status), "conclusion": conclusion,
            "workflow_id": .int(stableID("workflow:\(fullName)")),
            "url": .string("\(api)/repos/\(fullName)/actions/runs/\(id)"),
            "html_url": .string("\(web)/\(fullName)/actions/runs/\(id)"), "pull_requests": [],
            "created_at": timestamp(offset), "updated_at": timestamp(offset + 30),
            "run_attempt": 1, "run_started_at": timestamp(offset),
            "jobs_url": .string("\(api)/repos/\(fullName)/actions/runs/\(id)/jobs"),
        ]
    }

    /// Self-hosted runners of a repository (`scope` = `owner/repo`) or an organisation (`scope` = `org`). Each
    /// mutation flips the `busy` flag of the next runner in turn.
    static func runners(scope: String, count: Int, version: Int) -> [JSONValue] {
        let base = stableID("runners:\(scope.lowercased())", limit: 100_000) * 100
        return (0..<count).map { index in
            let online = index % 4 != 3
            let flips = version > index ? (version - index - 1) / count + 1 : 0
            let busy = (online && index % 3 == 0) != (flips % 2 == 1)
            let number = index + 1 < 10 ? "0\(index + 1)" : "\(index + 1)"
            return [
                "id": .int(base + index + 1), "name": .string("runner-\(number)"),
                "os": .string(index % 5 == 4 ? "macOS" : "Linux"), "status": .string(online ? "online" : "offline"),
                "busy": .bool(busy),
                "labels": [
                    ["id": 1, "name": "self-hosted", "type": "read-only"],
                    ["id": 2, "name": .string(index % 5 == 4 ? "macOS" : "Linux"), "type": "read-only"],
                    ["id": 3, "name": "X64", "type": "read-only"],
                ],
            ]
        }
    }
}
