import Foundation
import LeanCore
import NIOHTTP1

/// `POST /graphql`: enough of GitHub's GraphQL API for clients to run against, and for tests to see whose answer they
/// got. The document is parsed (LeanCore's GraphQL parser) and every selected field answered by shape:
///
/// - `viewer { login }` names the caller: ``StandInViewer/login(token:)`` of its token, so an answer served to the wrong token
///   is visible;
/// - `rateLimit { cost limit remaining used resetAt nodeCount }` reports this request's cost (1) and the token's
///   GraphQL budget (`x-ratelimit-resource: graphql`, apart from the REST budget);
/// - `repository(owner:, name:)` answers `name`, `nameWithOwner`, `owner { login }`, `url`, `id` from its arguments;
///   `nodes` and `edges` are empty lists, `totalCount` 0, `has…`/`is…`/`viewerCan…` false, other leaves `null`;
/// - a mutation runs (each one numbered: `clientMutationId` is `mutation-N`) and is charged like a query;
/// - a spent budget (the `primary` fault on `/graphql`) answers 200 with `errors: [{type: "RATE_LIMITED"}]`, as
///   GitHub does; a document that does not parse answers 200 with a parse error in `errors`.
extension StandInEngine {
    func graphQLReply(
        _ request: IncomingRequest, credential: Credential, budget: inout RateLimitBudget, state: inout State
    ) -> (Reply, charged: Bool) {
        guard case .token(let token) = credential else {
            return (
                .json(
                    .unauthorized,
                    [
                        "message": "This endpoint requires you to be authenticated.",
                        "documentation_url":
                            "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
                    ]), false
            )
        }
        func errors(_ message: String, type: String? = nil) -> Reply {
            var error: [String: JSONValue] = ["message": .string(message)]
            if let type { error["type"] = .string(type) }
            return .json(.ok, ["errors": .array([.object(error)])], headers: budget.headers)
        }
        if budget.remaining == 0 {
            return (errors("API rate limit exceeded for user ID 1.", type: "RATE_LIMITED"), false)
        }
        guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
            let source = object["query"] as? String
        else {
            return (.json(.badRequest, ["message": "Problems parsing JSON"], headers: budget.headers), false)
        }
        let document: GraphQLDocument
        do {
            document = try GraphQLDocument.parse(source)
        } catch {
            budget.charge()
            return (errors("Parse error: \(error)"), true)
        }
        guard let operation = document.operation(named: object["operationName"] as? String) else {
            budget.charge()
            return (errors("No operation named \(object["operationName"] as? String ?? "(none)")"), true)
        }
        budget.charge()
        var context = GraphQLContext(
            login: StandInViewer.login(token: token), variables: object["variables"] as? [String: Any] ?? [:],
            fragments: document.fragments, budget: budget, typeName: operation.type == .mutation ? "Mutation" : "Query")
        if operation.type == .mutation {
            state.mutations += 1
            context.mutation = state.mutations
        }
        let data = context.resolve(operation.selections)
        return (.json(.ok, ["data": data], headers: budget.headers), true)
    }
}

/// Who the stand-in says a token belongs to.
public enum StandInViewer {
    /// The login the stand-in gives the owner of `token`: `viewer-` and the token's letters, digits and dashes.
    public static func login(token: String) -> String {
        "viewer-"
            + String(
                token.unicodeScalars.map { scalar -> Character in
                    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        ? Character(scalar) : "-"
                }.prefix(40))
    }

}

/// What answering one GraphQL operation needs to know.
struct GraphQLContext {
    let login: String
    let variables: [String: Any]
    let fragments: [String: (typeCondition: String, selections: [GraphQLDocument.Selection])]
    let budget: RateLimitBudget
    var typeName: String
    var inViewer = false
    var owner: String?
    var name: String?
    var mutation: Int?
    var depth = 0

    /// The fields of `selections` (fragments merged, type conditions ignored) as one object.
    func resolve(_ selections: [GraphQLDocument.Selection]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        merge(selections, into: &object)
        return .object(object)
    }

    private func merge(_ selections: [GraphQLDocument.Selection], into object: inout [String: JSONValue]) {
        guard depth < 64 else { return }
        for selection in selections {
            switch selection {
            case .field(let field): object[field.responseKey] = value(field)
            case .fragmentSpread(let name):
                if let fragment = fragments[name] {
                    var inner = self
                    inner.depth += 1
                    inner.merge(fragment.selections, into: &object)
                }
            case .inlineFragment(_, let selections):
                var inner = self
                inner.depth += 1
                inner.merge(selections, into: &object)
            }
        }
    }

    private func argument(_ field: GraphQLDocument.Field, _ name: String) -> String? {
        guard let value = field.arguments.first(where: { $0.name == name })?.value else { return nil }
        switch value {
        case .string(let text), .enumValue(let text): return text
        case .variable(let variable): return variables[variable] as? String
        default: return nil
        }
    }

    private func value(_ field: GraphQLDocument.Field) -> JSONValue {
        var inner = self
        inner.depth += 1
        inner.typeName = field.name.prefix(1).uppercased() + field.name.dropFirst()
        if !field.selections.isEmpty {
            switch field.name {
            case "nodes", "edges": return .array([])
            case "viewer": inner.inViewer = true
            case "repository":
                inner.owner = argument(field, "owner")
                inner.name = argument(field, "name")
            case "owner": inner.inViewer = false
            case "rateLimit": inner.typeName = "RateLimit"
            default: break
            }
            return inner.resolve(field.selections)
        }
        return leaf(field.name)
    }

    private func leaf(_ name: String) -> JSONValue {
        if typeName == "RateLimit" {
            switch name {
            case "cost", "nodeCount": return .int(1)
            case "limit": return .int(budget.limit)
            case "remaining": return .int(budget.remaining)
            case "used": return .int(budget.limit - budget.remaining)
            case "resetAt": return .string(Timestamps.iso8601(budget.reset))
            default: break
            }
        }
        switch name {
        case "__typename": return .string(typeName)
        case "login": return .string(inViewer ? login : owner ?? "octocat")
        case "totalCount": return .int(0)
        case "clientMutationId": return mutation.map { .string("mutation-\($0)") } ?? .null
        case "name": return self.name.map { .string($0) } ?? .null
        case "nameWithOwner":
            guard let owner, let repository = self.name else { return .null }
            return .string("\(owner)/\(repository)")
        case "url":
            guard let owner, let repository = self.name else { return .null }
            return .string("https://github.com/\(owner)/\(repository)")
        case "id": return .string("ID_" + [owner, self.name, typeName].compactMap { $0 }.joined(separator: "_"))
        case _ where name.hasPrefix("has") || name.hasPrefix("is") || name.hasPrefix("viewerCan"): return .bool(false)
        default: return .null
        }
    }
}
