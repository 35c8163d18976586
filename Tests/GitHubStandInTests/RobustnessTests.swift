import Foundation
import GitHubStandIn
import NIOCore
import NIOPosix
import Testing

/// Sends raw bytes over TCP and returns whatever the server answers until it closes the connection (a reset or
/// a failed write also ends the exchange). Throws if the server keeps the connection open beyond `timeout`.
private func rawExchange(port: Int, _ bytes: [UInt8], timeout: Duration = .seconds(5)) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await withThrowingTaskGroup(of: String.self) { group in
        group.addTask {
            var received = ""
            try? await channel.executeThenClose { inbound, outbound in
                try? await outbound.write(ByteBuffer(bytes: bytes))
                for try await chunk in inbound { received += String(buffer: chunk) }
            }
            return received
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw RawExchangeTimeout()
        }
        defer { group.cancelAll() }
        return try await group.next() ?? ""
    }
}

private struct RawExchangeTimeout: Error {}

@Suite("Robustness")
struct RobustnessTests {
    @Test("Malformed HTTP gets 400 and the server keeps serving")
    func malformed() async throws {
        try await StandInHarness.with { standIn in
            let answer = try await rawExchange(port: standIn.server.port, Array("GARBAGE \u{01}\u{02}\r\n\r\n".utf8))
            #expect(answer.hasPrefix("HTTP/1.1 400"))
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
        }
    }

    @Test("Huge headers are refused and the server keeps serving")
    func hugeHeaders() async throws {
        try await StandInHarness.with { standIn in
            let header = "X-Big: " + String(repeating: "a", count: 200_000) + "\r\n"
            let request = "GET /repos/octo/app HTTP/1.1\r\nHost: x\r\n" + header + "\r\n"
            let answer = try await rawExchange(port: standIn.server.port, Array(request.utf8))
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"))
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
        }
    }

    @Test("Request bodies over the limit get 413")
    func bodyLimit() async throws {
        try await StandInHarness.with(StandInConfiguration(maxRequestBodyBytes: 1024)) { standIn in
            let response = try await standIn.request(
                "/_standin/faults", method: .POST, body: String(repeating: " ", count: 4096))
            #expect(response.status == 413)
            #expect(try await standIn.request("/repos/octo/app", token: "alpha").status == 200)
        }
    }

    @Test("A client that connects and says nothing is disconnected after the idle timeout")
    func slowClient() async throws {
        try await StandInHarness.with(StandInConfiguration(idleTimeout: .milliseconds(200))) { standIn in
            let answer = try await rawExchange(
                port: standIn.server.port, Array("GET /repos/octo/app HTTP/1.1\r\n".utf8))
            #expect(answer.isEmpty)
        }
    }

    @Test("Keep-alive connections serve several requests; HTTP/1.0 close is honoured")
    func keepAlive() async throws {
        try await StandInHarness.with { standIn in
            let request = "GET /repos/octo/app HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let closing = "GET /rate_limit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            let answer = try await rawExchange(port: standIn.server.port, Array((request + request + closing).utf8))
            #expect(answer.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
            #expect(try await standIn.stats().total == 3)
        }
    }

    @Test("Shutdown closes hung connections")
    func shutdownClosesHungConnections() async throws {
        let server = try await StandInServer.start()
        try server.addFault(FaultSpec(pathPrefix: "/", kind: .hang))
        async let answer = rawExchange(port: server.port, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        for _ in 0..<100 where server.stats().total == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.stats().total == 1)
        await server.shutdown()
        #expect(try await answer.isEmpty)
    }
}
