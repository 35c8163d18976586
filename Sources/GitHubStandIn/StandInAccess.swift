import Foundation

/// Who may read what (`StandInConfiguration.access`, `POST /_standin/access`): private repositories that answer
/// 404 to every token without a grant, and runner lists that answer 403 to every token that is not an admin.
///
/// Only owners the configuration names (in a private repository or a grant scope) are *governed*; everything of
/// an owner it does not name stays open to every token, as the stand-in always was. Names compare
/// case-insensitively, as on GitHub.
public struct StandInAccess: Sendable, Codable, Equatable {
    /// A repository role, lowest first (GitHub's names).
    public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
        case read, triage, write, maintain, admin

        private var rank: Int {
            switch self {
            case .read: 0
            case .triage: 1
            case .write: 2
            case .maintain: 3
            case .admin: 4
            }
        }

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
    }

    /// `token` holds `role` on `scope`: `owner/name` (one repository) or `owner` (every repository of the owner;
    /// `admin` on an owner also makes the token an organisation admin, who may list the organisation's runners).
    public struct Grant: Sendable, Codable, Equatable {
        public var token: String
        public var scope: String
        public var role: Role

        public init(token: String, scope: String, role: Role) {
            self.token = token
            self.scope = scope
            self.role = role
        }
    }

    /// `owner/name` of repositories only granted tokens can see.
    public var privateRepositories: [String]
    /// At most one grant per token and scope (a later one replaces an earlier one).
    public var grants: [Grant]
    /// Answer a refused request that carries `If-Modified-Since` (and no `If-None-Match`) with a free 304, as
    /// GitHub has done for a resource that was a 404 (hub4j/github-api#669): a client that took such a 304 as a
    /// proof of access would leak. Off by default (refusals come before preconditions, RFC 9110 §13.2.1).
    public var notModifiedWhenRefused: Bool

    enum CodingKeys: String, CodingKey {
        case privateRepositories = "private_repositories"
        case grants
        case notModifiedWhenRefused = "not_modified_when_refused"
    }

    public init(privateRepositories: [String] = [], grants: [Grant] = [], notModifiedWhenRefused: Bool = false) {
        self.privateRepositories = privateRepositories
        self.grants = grants
        self.notModifiedWhenRefused = notModifiedWhenRefused
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        privateRepositories = try container.decodeIfPresent([String].self, forKey: .privateRepositories) ?? []
        grants = try container.decodeIfPresent([Grant].self, forKey: .grants) ?? []
        notModifiedWhenRefused =
            try container.decodeIfPresent(Bool.self, forKey: .notModifiedWhenRefused) ?? false
    }

    /// Checks every name; throws a message naming the first bad one.
    func validated() throws -> StandInAccess {
        for repository in privateRepositories where Self.split(repository)?.name == nil {
            throw StandInError.badControlRequest(
                "private repository \"\(repository)\" is not owner/name")
        }
        for grant in grants {
            guard !grant.token.isEmpty else { throw StandInError.badControlRequest("a grant has an empty token") }
            guard Self.split(grant.scope) != nil else {
                throw StandInError.badControlRequest("grant scope \"\(grant.scope)\" is not owner or owner/name")
            }
        }
        return self
    }

    /// Adds `grant`, replacing the token's earlier grant on the same scope (so a lower role narrows it).
    mutating func grant(_ grant: Grant) {
        revoke(token: grant.token, scope: grant.scope)
        grants.append(grant)
    }

    /// Removes the token's grant on `scope`, or all its grants when `scope` is `nil`; returns how many went.
    @discardableResult
    mutating func revoke(token: String, scope: String?) -> Int {
        let before = grants.count
        grants.removeAll { grant in grant.token == token && scope.map { Self.same(grant.scope, $0) } ?? true }
        return before - grants.count
    }

    // MARK: Decisions

    /// Whether the configuration names `owner`, which makes its runner lists admin-only.
    func governs(owner: String) -> Bool {
        privateRepositories.contains { Self.split($0)?.owner.lowercased() == owner.lowercased() }
            || grants.contains { Self.split($0.scope)?.owner.lowercased() == owner.lowercased() }
    }

    func isPrivate(owner: String, name: String) -> Bool {
        privateRepositories.contains { Self.same($0, "\(owner)/\(name)") }
    }

    /// The token's role on `owner/name`: the higher of its grants on the repository and on the owner.
    func role(of token: String?, owner: String, name: String) -> Role? {
        guard let token else { return nil }
        return grants.filter {
            $0.token == token && (Self.same($0.scope, owner) || Self.same($0.scope, "\(owner)/\(name)"))
        }
        .map(\.role).max()
    }

    func canRead(_ token: String?, owner: String, name: String) -> Bool {
        !isPrivate(owner: owner, name: name) || role(of: token, owner: owner, name: name) != nil
    }

    func isOrganizationAdmin(_ token: String?, owner: String) -> Bool {
        grants.contains { $0.token == token && $0.role == .admin && Self.same($0.scope, owner) }
    }

    /// GitHub's `permissions` object for a caller with `role` (`nil`: no grant, so `pull` only).
    static func permissions(_ role: Role?) -> JSONValue {
        let role = role ?? .read
        return [
            "admin": .bool(role >= .admin), "maintain": .bool(role >= .maintain), "push": .bool(role >= .write),
            "triage": .bool(role >= .triage), "pull": true,
        ]
    }

    private static func same(_ a: String, _ b: String) -> Bool { a.caseInsensitiveCompare(b) == .orderedSame }

    /// `owner` or `owner/name`; `nil` for anything else.
    private static func split(_ scope: String) -> (owner: String, name: String?)? {
        let parts = scope.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else { return nil }
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }
}
