/// Checks of `ghcache-get`'s arguments, shared by its ArgumentParser commands and its lean hit path so that both
/// accept exactly the same. Each returns the problem (the message `ghcache-get` prints), `nil` when the value is fine.
public enum RequestArguments {
    /// An `OWNER/REPO` argument.
    public static func repositoryProblem(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !text.contains(where: { $0 == "?" || $0 == "#" || $0 == " " })
        else { return "\"\(text)\" is not OWNER/REPO (e.g. octo-org/app)" }
        return nil
    }

    /// An owner, user or organisation name.
    public static func ownerProblem(_ text: String) -> String? {
        guard !text.isEmpty, !text.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == " " }) else {
            return "\"\(text)\" is not a user or organisation name"
        }
        return nil
    }

    /// `-f key=value` fields as query fields.
    public static func fields(_ fields: [String]) -> Result<[(name: String, value: String)], UsageProblem> {
        var result: [(name: String, value: String)] = []
        for field in fields {
            guard let equals = field.firstIndex(of: "="), equals != field.startIndex else {
                return .failure(UsageProblem("-f \(field): expected key=value"))
            }
            result.append((String(field[..<equals]), String(field[field.index(after: equals)...])))
        }
        return .success(result)
    }

    /// `-H "Name: value"` headers, by lower-case name: only `accept` and `x-github-api-version` (the REST key), or
    /// the two names `allowed` gives (`ghcache-get graphql`: `accept` and `graphql-features`).
    public static func headers(
        _ headers: [String],
        allowed: (names: [String], said: String) = (
            ["accept", "x-github-api-version"], "Accept and X-GitHub-Api-Version"
        )
    ) -> Result<[String: String], UsageProblem> {
        var result: [String: String] = [:]
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                return .failure(UsageProblem("-H \(header): expected \"Name: value\""))
            }
            let name = header[..<colon].trimmingWhitespace().lowercased()
            let value = header[header.index(after: colon)...].trimmingWhitespace()
            guard allowed.names.contains(name) else {
                return .failure(UsageProblem("-H \(header): only \(allowed.said) can be set"))
            }
            guard !value.isEmpty else { return .failure(UsageProblem("-H \(header): empty value")) }
            result[name] = value
        }
        return .success(result)
    }
}
