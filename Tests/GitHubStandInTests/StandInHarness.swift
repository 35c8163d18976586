import AsyncHTTPClient
import Foundation
import GitHubStandIn
import NIOCore
import NIOHTTP1
import Testing

/// A running stand-in and a real HTTP client (no redirects followed, bounded timeouts).
struct StandInHarness: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        func header(_ name: String) -> String? { headers.first(name: name) }
        var remaining: Int? { header("x-ratelimit-remaining").flatMap { Int($0) } }
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var jsonObject: [String: Any]? { json as? [String: Any] }
        var jsonArray: [[String: Any]]? { json as? [[String: Any]] }
        /// `rel` → URL from the `Link` header.
        var links: [String: String] {
            guard let link = header("Link") else { return [:] }
            var result: [String: String] = [:]
            for part in link.split(separator: ",") {
                let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count == 2, fields[0].hasPrefix("<"), fields[0].hasSuffix(">"),
                    fields[1].hasPrefix("rel=\"")
                else { continue }
                result[String(fields[1].dropFirst(5).dropLast())] = String(fields[0].dropFirst().dropLast())
            }
            return result
        }
    }

    let server: StandInServer
    let client: HTTPClient

    var base: String { server.baseURL.absoluteString }

    /// Runs `body` against a fresh stand-in; always shuts the server and the client down.
    static func with<T: Sendable>(
        _ configuration: StandInConfiguration = StandInConfiguration(),
        _ body: (StandInHarness) async throws -> T
    ) async throws -> T {
        let server = try await StandInServer.start(configuration)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let harness = StandInHarness(server: server, client: client)
        do {
            let result = try await body(harness)
            try await client.shutdown()
            await server.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            await server.shutdown()
            throw error
        }
    }

    /// Sends a request to `path` (with query) and collects the answer.
    func request(
        _ path: String, method: HTTPMethod = .GET, token: String? = nil, headers: [(String, String)] = [],
        body: String? = nil, timeout: TimeAmount = .seconds(10)
    ) async throws -> Response {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "token \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return Response(
            status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// `POST /_standin/faults` (through HTTP, as the integration tests do).
    func addFault(_ json: String) async throws {
        let response = try await request("/_standin/faults", method: .POST, body: json)
        #expect(response.status == 201, "fault rejected: \(String(decoding: response.body, as: UTF8.self))")
    }

    /// `GET /_standin/stats` decoded.
    func stats() async throws -> StandInStats {
        let response = try await request("/_standin/stats")
        return try JSONDecoder().decode(StandInStats.self, from: response.body)
    }
}
