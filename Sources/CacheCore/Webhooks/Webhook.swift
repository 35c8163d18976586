import Crypto
import Foundation

/// A GitHub webhook delivery (`POST /webhook` of the daemon's endpoint): the signature check and the cached
/// resources the event changes.
public struct WebhookDelivery: Sendable, Equatable {
    /// `X-GitHub-Event`: `workflow_run`, `workflow_job`, `repository`, `push`, `ping`...
    public var event: String
    /// `X-GitHub-Delivery`: GitHub's ID of this delivery (a redelivery repeats it).
    public var deliveryID: String?
    /// The raw JSON body.
    public var body: Data

    /// A delivery as received.
    public init(event: String, deliveryID: String?, body: Data) {
        self.event = event
        self.deliveryID = deliveryID
        self.body = body
    }

    /// The largest body accepted (GitHub caps payloads at 25 MB).
    public static let maxBodyBytes = 25 << 20

    /// The `X-Hub-Signature-256` value GitHub sends for `body` under `secret`: `sha256=` and the hex HMAC-SHA256.
    public static func signature(of body: Data, secret: String) -> String {
        "sha256=" + hexString(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// Whether `header` (`X-Hub-Signature-256: sha256=<64 hex digits>`) is the HMAC-SHA256 of `body` under
    /// `secret`, compared in constant time.
    public static func isSigned(_ body: Data, header: String?, secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="), !secret.isEmpty else { return false }
        let given = Array(header.dropFirst("sha256=".count).utf8)
        guard given.count == 64 else { return false }
        let expected = Array(signature(of: body, secret: secret).dropFirst("sha256=".count).utf8)
        var difference: UInt8 = 0
        for (left, right) in zip(given, expected) {
            difference |= ((0x41...0x46).contains(left) ? left | 0x20 : left) ^ right  // hex digits in either case
        }
        return difference == 0
    }

    /// The cached resources this event changes, or `nil` for an event ghcache does not act on (`ping`, `issues`...).
    /// An event it acts on whose payload lacks the repository is `[]`.
    public func stalePaths() -> [StalePath]? {
        let changes: (_ owner: String, _ repo: String, _ organization: Bool) -> [StalePath]
        switch event {
        case "workflow_run", "workflow_job":
            // Runs and jobs of the repository change; so do the runners' busy states (repository and organisation).
            changes = { owner, repo, organization in
                var paths = [
                    StalePath("/repos/\(owner)/\(repo)/actions/runs", subpaths: true),
                    StalePath("/repos/\(owner)/\(repo)/actions/jobs", subpaths: true),
                    StalePath("/repos/\(owner)/\(repo)/actions/runners", subpaths: true),
                ]
                if organization { paths.append(StalePath("/orgs/\(owner)/actions/runners", subpaths: true)) }
                return paths
            }
        case "repository":
            changes = { owner, repo, organization in
                [
                    StalePath("/repos/\(owner)/\(repo)", subpaths: false),
                    StalePath(organization ? "/orgs/\(owner)/repos" : "/users/\(owner)/repos", subpaths: false),
                ]
            }
        case "push":
            changes = { owner, repo, _ in
                [
                    StalePath("/repos/\(owner)/\(repo)", subpaths: false),
                    StalePath("/repos/\(owner)/\(repo)/commits", subpaths: true),
                    StalePath("/repos/\(owner)/\(repo)/branches", subpaths: true),
                ]
            }
        default:
            return nil
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let repository = object["repository"] as? [String: Any],
            let fullName = repository["full_name"] as? String
        else { return [] }
        let parts = fullName.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ Self.isName($0) }) else { return [] }
        return changes(String(parts[0]), String(parts[1]), object["organization"] is [String: Any])
    }

    /// A GitHub owner or repository name: letters, digits, `-`, `_`, `.`, at most 100 characters.
    private static func isName(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 100 && text != "." && text != ".."
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}

/// A cached resource a change makes stale: the entries whose path is `path` (any query), and with `subpaths` also
/// those under `path/`.
public struct StalePath: Sendable, Equatable, CustomStringConvertible {
    /// A normalised API path (`/repos/o/r/actions/runs`).
    public var path: String
    /// Whether paths below it are stale too.
    public var subpaths: Bool

    /// A stale path.
    public init(_ path: String, subpaths: Bool) {
        self.path = path
        self.subpaths = subpaths
    }

    public var description: String { subpaths ? "\(path)/**" : path }
}
