import LeanCore

/// The `ghcache-get` command lines the lean hit path understands, and what they ask for.
///
/// A strict subset of what the full program's ArgumentParser commands accept: `repos`, `runs`, `runners` and
/// `api` with their plain options, each option once (`-f`/`-H` any number of times), values in the next argument or
/// after `=`. Anything else — another command, `--help`, `--paginate`, `--no-cache`, a repeated option,
/// a value that starts with `-`, an argument that fails a check — is `nil`: the full program parses it and answers
/// or reports it as it always has. Validity checks are the ones the commands use (``RequestArguments``).
struct HitArguments {
    /// The request, as the full command would build it.
    var path: String
    var fields: [(name: String, value: String)] = []
    var accept = RequestTarget.defaultAccept
    var apiVersion = RequestTarget.defaultAPIVersion
    /// `--ttl`, parsed.
    var ttlOverride: Int?
    /// Settings from flags (`--cache-dir`, `--max-stale`, `--timeout`) and `--config FILE`.
    var flags: [ConfigVariable: FlagValue] = [:]
    var configFile: String?
    /// `--verbose` / `-v`.
    var verbose = false

    /// Options that take a value, by long name, for each command (plus the common ones).
    private static let commonOptions: Set<String> = ["ttl", "max-stale", "timeout", "cache-dir", "config"]
    private static let commandOptions: [String: Set<String>] = [
        "repos": [], "runs": ["status"], "runners": ["org", "repo"], "api": ["field", "header"],
    ]
    /// Flags (no value) that do not change a fresh hit: `--offline` only forbids calling GitHub.
    private static let harmlessFlags: Set<String> = ["offline"]
    private static let verboseFlag = "verbose"
    private static let repeatable: Set<String> = ["field", "header"]

    /// Parses `arguments` (without the program name); `nil` when the full program must handle them.
    static func parse(_ arguments: [String]) -> HitArguments? {
        guard let command = arguments.first, let allowed = commandOptions[command] else { return nil }
        var options: [String: [String]] = [:]
        var positionals: [String] = []
        var verbose = false
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                positionals.append(argument)
                continue
            }
            var name: String
            var inlineValue: String?
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    inlineValue = String(body[body.index(after: equals)...])
                } else {
                    name = String(body)
                }
            } else if command == "api" && (argument == "-f" || argument == "-H") {
                name = argument == "-f" ? "field" : "header"
            } else if argument == "-v" {
                name = verboseFlag
            } else {
                return nil
            }
            if name == verboseFlag && inlineValue == nil {
                verbose = true
                continue
            }
            if harmlessFlags.contains(name) && inlineValue == nil {
                continue
            }
            guard commonOptions.contains(name) || allowed.contains(name) else { return nil }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
            if options[name] != nil && !repeatable.contains(name) { return nil }
            options[name, default: []].append(value)
        }
        var request = build(command, positionals: positionals, options: options)
        request?.verbose = verbose
        return request
    }

    private static func build(_ command: String, positionals: [String], options: [String: [String]]) -> HitArguments? {
        let single = { (name: String) in options[name]?.first }
        var request: HitArguments
        switch command {
        case "repos":
            guard positionals.count == 1, RequestArguments.ownerProblem(positionals[0]) == nil else { return nil }
            request = HitArguments(path: "/users/\(positionals[0])/repos")
        case "runs":
            guard positionals.count == 1, RequestArguments.repositoryProblem(positionals[0]) == nil else { return nil }
            request = HitArguments(path: "/repos/\(positionals[0])/actions/runs")
            if let status = single("status") { request.fields = [(name: "status", value: status)] }
        case "runners":
            guard positionals.isEmpty else { return nil }
            switch (single("org"), single("repo")) {
            case (let org?, nil) where RequestArguments.ownerProblem(org) == nil:
                request = HitArguments(path: "/orgs/\(org)/actions/runners")
            case (nil, let repo?) where RequestArguments.repositoryProblem(repo) == nil:
                request = HitArguments(path: "/repos/\(repo)/actions/runners")
            default: return nil
            }
        case "api":
            guard positionals.count == 1, !positionals[0].trimmingWhitespace().isEmpty,
                case .success(let fields) = RequestArguments.fields(options["field"] ?? []),
                case .success(let headers) = RequestArguments.headers(options["header"] ?? [])
            else { return nil }
            let (path, isFullURL) = RequestTarget.strippedPath(positionals[0])
            guard !isFullURL else { return nil }
            request = HitArguments(path: path, fields: fields)
            request.accept = headers["accept"] ?? RequestTarget.defaultAccept
            request.apiVersion = headers["x-github-api-version"] ?? RequestTarget.defaultAPIVersion
        default:
            return nil
        }
        if let ttl = single("ttl") {
            guard let seconds = parseDuration(ttl) else { return nil }
            request.ttlOverride = seconds
        }
        if let value = single("cache-dir") { request.flags[.cacheDir] = FlagValue(value, flag: "--cache-dir") }
        if let value = single("max-stale") { request.flags[.maxStale] = FlagValue(value, flag: "--max-stale") }
        if let value = single("timeout") { request.flags[.timeout] = FlagValue(value, flag: "--timeout") }
        request.configFile = single("config")
        return request
    }
}
