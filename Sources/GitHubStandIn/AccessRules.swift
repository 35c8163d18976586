import Foundation
import NIOHTTP1

/// The caller of an API request as the access rules see it.
struct Viewer: Sendable {
    /// `nil` when unauthenticated.
    var token: String?
    var access: StandInAccess

    init(credential: StandInEngine.Credential, access: StandInAccess) {
        if case .token(let token) = credential { self.token = token }
        self.access = access
    }

    /// GitHub App installation tokens (`ghs_…`) are refused as an integration, other tokens as a user.
    var isIntegration: Bool { token?.hasPrefix("ghs_") ?? false }
}

/// Private repositories, admin-only runner lists and per-caller repository objects (``StandInAccess``).
extension StandInEngine {
    /// GitHub's refusal of `path` (canonical, see ``Router/canonicalPath(_:)``) to `viewer`, or `nil` when the
    /// viewer may read it. A private repository, and everything under it, is a 404 exactly like a missing one;
    /// a governed owner's runner list is a 403 to a token that is not an admin (401 without a token).
    func denial(_ path: String, viewer: Viewer) -> Reply? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let access = viewer.access
        if parts.count >= 3, parts[0] == "repos" {
            let (owner, name) = (parts[1], parts[2])
            guard access.canRead(viewer.token, owner: owner, name: name) else {
                return .json(.notFound, Router.notFoundBody)
            }
            if parts.count == 5, parts[3] == "actions", parts[4] == "runners", access.governs(owner: owner),
                access.role(of: viewer.token, owner: owner, name: name) != .admin
            {
                return adminOnly(viewer, documentation: "list-self-hosted-runners-for-a-repository")
            }
        }
        if parts.count == 4, parts[0] == "orgs", parts[2] == "actions", parts[3] == "runners",
            access.governs(owner: parts[1]), !access.isOrganizationAdmin(viewer.token, owner: parts[1])
        {
            return adminOnly(viewer, documentation: "list-self-hosted-runners-for-an-organization")
        }
        return nil
    }

    /// GitHub's answers to a caller that may not list runners: `Requires authentication` (401) without a token,
    /// `Resource not accessible by integration` (403) to an installation token, `Must have admin rights to
    /// Repository.` (403, for organisation runners too) to any other token.
    private func adminOnly(_ viewer: Viewer, documentation anchor: String) -> Reply {
        let status: HTTPResponseStatus
        let message: String
        if viewer.token == nil {
            (status, message) = (.unauthorized, "Requires authentication")
        } else if viewer.isIntegration {
            (status, message) = (.forbidden, "Resource not accessible by integration")
        } else {
            (status, message) = (.forbidden, "Must have admin rights to Repository.")
        }
        return .json(
            status,
            [
                "message": .string(message),
                "documentation_url": .string("https://docs.github.com/rest/actions/self-hosted-runners#\(anchor)"),
                "status": .string("\(status.code)"),
            ])
    }

    /// The body as `viewer` sees it: a repository object (`/repos/{o}/{r}`, items of `/users/{u}/repos` and
    /// `/orgs/{o}/repos`) carries the caller's `permissions` (none when unauthenticated) and is marked private
    /// when it is; a repository list leaves out the private repositories the caller may not read.
    func view(_ body: Representation.Body, source: Route.Source, path: String, viewer: Viewer) -> Representation.Body {
        switch (body, source) {
        case (.list(let items, let itemsKey), .repositories(let owner, _)):
            let visible = items.compactMap { item -> JSONValue? in
                guard let name = item["name"]?.stringValue else { return item }
                guard viewer.access.canRead(viewer.token, owner: owner, name: name) else { return nil }
                return personalize(item, owner: owner, name: name, viewer: viewer)
            }
            return .list(items: visible, itemsKey: itemsKey)
        case (.document(let document), _):
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
            guard parts.count == 3, parts[0] == "repos" else { return body }
            return .document(personalize(document, owner: parts[1], name: parts[2], viewer: viewer))
        default:
            return body
        }
    }

    private func personalize(_ repository: JSONValue, owner: String, name: String, viewer: Viewer) -> JSONValue {
        guard case .object(var members) = repository else { return repository }
        if viewer.access.isPrivate(owner: owner, name: name) {
            members["private"] = true
            members["visibility"] = "private"
        }
        if viewer.token == nil {
            members.removeValue(forKey: "permissions")
        } else {
            members["permissions"] = StandInAccess.permissions(
                viewer.access.role(of: viewer.token, owner: owner, name: name))
        }
        return .object(members)
    }
}
