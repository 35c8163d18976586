import Foundation
import NIOHTTP1

/// The control API under `/_standin/` (never charged, never rate-limited, never faulted, not counted) and the
/// in-process equivalents used by ``StandInServer``.
extension StandInEngine {
    func stats() -> StandInStats { state.withLock { $0.stats } }

    /// Counters, budgets, faults and resource versions back to their initial state.
    func reset() { state.withLock { $0 = State() } }

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
            "/_standin/mutate": [.POST],
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
                return Reply(
                    status: .ok, headers: [("Content-Type", "application/json; charset=utf-8")],
                    body: try Self.encoder.encode(stats()))
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
