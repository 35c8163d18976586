import Foundation
import NIOHTTP1

/// The control API under `/_standin/` (never charged, never rate-limited, never faulted, not counted) and the
/// in-process equivalents used by ``StandInServer``.
extension StandInEngine {
    func stats() -> StandInStats { state.withLock { $0.stats } }

    /// Counters, budgets, faults, resource versions, access rules and the ETag formula back to their initial
    /// state (the configuration's).
    func reset() { state.withLock { $0 = State(configuration) } }

    func access() -> StandInAccess { state.withLock { $0.access } }

    /// Replaces the access rules; they apply from the next request.
    func setAccess(_ access: StandInAccess) throws {
        let access = try access.validated()
        state.withLock { $0.access = access }
    }

    /// Adds a grant or changes the role of the token's grant on the same scope.
    func grant(_ grant: StandInAccess.Grant) throws -> StandInAccess {
        _ = try StandInAccess(grants: [grant]).validated()
        return state.withLock { state in
            state.access.grant(grant)
            return state.access
        }
    }

    /// Removes the token's grant on `scope` (every grant of the token when `nil`); returns how many went.
    func revoke(token: String, scope: String?) -> Int {
        state.withLock { $0.access.revoke(token: token, scope: scope) }
    }

    func etagFormula() -> ETagFormula { state.withLock { $0.etagFormula } }

    func setETagFormula(_ formula: ETagFormula) { state.withLock { $0.etagFormula = formula } }

    /// Adds a fault; returns its id.
    func addFault(_ spec: FaultSpec) throws -> Int {
        let spec = try spec.validated()
        return state.withLock { state in
            let id = state.nextFaultID
            state.nextFaultID += 1
            state.faults.append(ActiveFault(id: id, spec: spec, remaining: spec.count ?? 1))
            return id
        }
    }

    /// Bumps the version of the resource at `path` (a query is ignored); returns the resource's identity, its new
    /// version and its new `Last-Modified`.
    func mutate(path: String, now: Date = Date()) throws -> (identity: String, version: Int, lastModified: Date) {
        let bare = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        guard case .resource(let identity, _) = router.route(bare) else {
            throw StandInError.badControlRequest(
                "no resource at \(bare): only paths the stand-in serves with 200 can be mutated")
        }
        return state.withLock { state in
            let version = (state.versions[identity] ?? 0) + 1
            let previous = state.modified[identity] ?? Generator.epoch
            let modified = max(Timestamps.wholeSeconds(now), previous.addingTimeInterval(1))
            state.versions[identity] = version
            state.modified[identity] = modified
            return (identity, version, modified)
        }
    }

    func control(_ request: IncomingRequest, now: Date) -> Reply {
        let routes: [String: [HTTPMethod]] = [
            "/_standin/stats": [.GET], "/_standin/reset": [.POST], "/_standin/faults": [.GET, .POST, .DELETE],
            "/_standin/mutate": [.POST], "/_standin/access": [.GET, .POST], "/_standin/access/grant": [.POST],
            "/_standin/access/revoke": [.POST], "/_standin/etag": [.GET, .POST], "/_standin/apps": [.GET, .POST],
        ]
        guard let allowed = routes[request.path] else {
            return .json(.notFound, ["message": .string("unknown control path \(request.path)")])
        }
        guard allowed.contains(request.method) else {
            return .json(
                .methodNotAllowed,
                ["message": .string("\(request.path) accepts \(allowed.map(\.rawValue).joined(separator: ", "))")],
                headers: [("Allow", allowed.map(\.rawValue).joined(separator: ", "))])
        }
        do {
            switch (request.path, request.method) {
            case ("/_standin/stats", _):
                return try encoded(stats())
            case ("/_standin/reset", _):
                reset()
                return .json(.ok, ["reset": true])
            case ("/_standin/faults", .GET):
                return .json(.ok, .array(state.withLock { $0.faults.map(\.json) }))
            case ("/_standin/faults", .DELETE):
                state.withLock { $0.faults.removeAll() }
                return .json(.ok, ["faults": []])
            case ("/_standin/faults", _):
                let spec = try decode(FaultSpec.self, from: request.body)
                let id = try addFault(spec)
                return .json(.created, ["id": .int(id)])
            case ("/_standin/access", .GET):
                return try encoded(access())
            case ("/_standin/access", _):
                try setAccess(try decode(StandInAccess.self, from: request.body))
                return try encoded(access())
            case ("/_standin/access/grant", _):
                return try encoded(try grant(try decode(StandInAccess.Grant.self, from: request.body)))
            case ("/_standin/access/revoke", _):
                struct Revocation: Decodable {
                    var token: String
                    var scope: String?
                }
                let revocation = try decode(Revocation.self, from: request.body)
                let removed = revoke(token: revocation.token, scope: revocation.scope)
                return .json(.ok, ["revoked": .int(removed)])
            case ("/_standin/apps", .GET):
                return try encoded(["tokens": mintedTokens()])
            case ("/_standin/apps", _):
                try registerApp(try decode(StandInApp.self, from: request.body))
                return .json(.created, ["registered": true])
            case ("/_standin/etag", .GET):
                return .json(.ok, ["formula": .string(etagFormula().rawValue)])
            case ("/_standin/etag", _):
                struct Formula: Decodable { var formula: ETagFormula }
                setETagFormula(try decode(Formula.self, from: request.body).formula)
                return .json(.ok, ["formula": .string(etagFormula().rawValue)])
            default:
                struct Mutation: Decodable { var path: String }
                let mutation = try decode(Mutation.self, from: request.body)
                let result = try mutate(path: mutation.path, now: now)
                return .json(
                    .ok,
                    [
                        "path": .string(result.identity), "version": .int(result.version),
                        "last_modified": .string(Timestamps.httpDate(result.lastModified)),
                    ])
            }
        } catch {
            return .json(.badRequest, ["message": .string("\(error)")])
        }
    }

    private func encoded(_ value: some Encodable) throws -> Reply {
        Reply(
            status: .ok, headers: [("Content-Type", "application/json; charset=utf-8")],
            body: try Self.encoder.encode(value))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func field(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch DecodingError.keyNotFound(let key, _) {
            throw StandInError.badControlRequest("invalid JSON body: missing \"\(key.stringValue)\"")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw StandInError.badControlRequest("invalid JSON body: not JSON")
        } catch DecodingError.dataCorrupted(let context) {
            throw StandInError.badControlRequest("invalid JSON body: bad value for \"\(Self.field(context))\"")
        } catch DecodingError.typeMismatch(_, let context) {
            throw StandInError.badControlRequest("invalid JSON body: wrong type for \"\(Self.field(context))\"")
        } catch {
            throw StandInError.badControlRequest("invalid JSON body: \(error)")
        }
    }
}
