import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hostile input to the endpoint gets an HTTP error or a closed connection, never a crash, and the daemon keeps
/// serving: every test ends by checking that the process still runs and answers a normal request.
@Suite("Local endpoint under hostile input", .serialized)
struct HostileInputTests {
    /// The daemon still runs and answers over both listeners. The requests are made in this process, not with curl:
    /// these tests hold thousands of descriptors open, and Foundation's `Process.run()` over-reads `/proc/self/fd`
    /// entries then (BoundedProcess explains), which once killed the test run.
    static func stillServing(_ world: EndpointWorld, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(world.daemon.process.isRunning, "the daemon died", sourceLocation: sourceLocation)
        let socket = try await RawConnection.get(.unix(world.socketPath), "/repos/octo/hello")
        let tcp = try await RawConnection.get(.tcp(try world.port), "/repos/octo/hello")
        #expect(socket.status == 200 && tcp.status == 200, sourceLocation: sourceLocation)
    }

    @Test("garbage, a bad request line and oversized headers get 400 (or a closed connection)")
    func garbage() async throws {
        try await EndpointWorld.with { world in
            let port = try world.port
            let inputs: [(String, [UInt8])] = [
                ("binary garbage", [0x00, 0xFF, 0x13, 0x37] + Array("\r\n\r\n".utf8)),
                ("not HTTP", Array("HELLO THERE\r\n\r\n".utf8)),
                ("bad version", Array("GET / HTTP/9.9\r\nHost: x\r\n\r\n".utf8)),
                ("header without colon", Array("GET / HTTP/1.1\r\nHost x\r\n\r\n".utf8)),
                (
                    "100 KiB header",
                    Array(
                        "GET /repos/octo/hello HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100 << 10))\r\n\r\n"
                            .utf8)
                ),
                (
                    "10000 headers",
                    Array(("GET / HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 10000) + "\r\n").utf8)
                ),
                (
                    "bad chunked body",
                    Array("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n".utf8)
                ),
                ("request target with spaces", Array("GET /a%20b c HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ]
            for (name, bytes) in inputs {
                for target in [RawConnection.Target.tcp(port), .unix(world.socketPath)] {
                    let connection = try RawConnection(target)
                    defer { connection.close() }
                    connection.send(bytes)
                    let reply = try await connection.readUntilClosed(timeout: 10)
                    let text = String(decoding: reply.bytes.prefix(200), as: UTF8.self)
                    #expect(
                        text.isEmpty || text.hasPrefix("HTTP/1.1 4"), "\(name): answered \(text.prefix(80))")
                    #expect(reply.closed, "\(name): the connection was kept open")
                }
            }
            try await Self.stillServing(world)
        }
    }

    @Test("a body over 25 MiB gets 413")
    func oversizedBody() async throws {
        try await EndpointWorld.with { world in
            let file = (world.environment.root as NSString).appendingPathComponent("big.bin")
            try Data(count: (25 << 20) + 1).write(to: URL(fileURLWithPath: file))
            let answer = try await world.curlSocket(
                "/repos/octo/hello/issues",
                EndpointWorld.auth + ["-X", "POST", "-H", "Expect:", "--data-binary", "@\(file)"])
            #expect(answer.status == 413)
            #expect(world.received("/repos/octo/hello/issues") == 0)
            try await Self.stillServing(world)
        }
    }

    @Test("a slow client that trickles its request head is cut off; others are served meanwhile")
    func slowClient() async throws {
        try await EndpointWorld.with { world in
            let port = try world.port
            let slow = try RawConnection(.tcp(port))
            defer { slow.close() }
            slow.send(Array("GET /repos/octo/hello HTTP/1.1\r\nHost: x\r\n".utf8))
            let started = Date()
            var closedAfter: Double?
            while Date().timeIntervalSince(started) < 30 {
                slow.send(Array("X-Slow: 1\r\n".utf8))
                if try slow.poll().closed {
                    closedAfter = Date().timeIntervalSince(started)
                    break
                }
                if Int(Date().timeIntervalSince(started) * 2) % 6 == 1 {
                    let other = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
                    #expect(other.status == 200)
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            let after = try #require(closedAfter, "the slow connection was still open after 30 s")
            // The endpoint gives a new connection 10 s for its request head.
            #expect(after < 20)
            try await Self.stillServing(world)
        }
    }

    @Test("1000 idle connections: the daemon keeps serving, and closes them")
    func idleConnections() async throws {
        try await EndpointWorld.with { world in
            let port = try world.port
            var idle: [RawConnection] = []
            defer { for connection in idle { connection.close() } }
            for index in 0..<1000 {
                idle.append(try RawConnection(index.isMultiple(of: 2) ? .tcp(port) : .unix(world.socketPath)))
            }
            try await Self.stillServing(world)
            try await eventually("the idle connections were not closed", timeout: 30) {
                try idle.allSatisfy { try $0.poll().closed }
            }
            try await Self.stillServing(world)
        }
    }
}

/// A plain client socket (TCP to 127.0.0.1, or a unix socket) for sending what no HTTP client would.
final class RawConnection: @unchecked Sendable {
    enum Target {
        case tcp(Int)
        case unix(String)
    }

    private var descriptor: Int32
    private var received: [UInt8] = []
    private var isClosed = false

    init(_ target: Target) throws {
        switch target {
        case .tcp(let port):
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard result == 0 else { throw TestSupportError("connect to 127.0.0.1:\(port): errno \(errno)") }
        case .unix(let path):
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard result == 0 else { throw TestSupportError("connect to \(path): errno \(errno)") }
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Sends what it can (a peer that closed makes this a no-op).
    func send(_ bytes: [UInt8]) {
        var offset = 0
        let deadline = Date().addingTimeInterval(5)
        while offset < bytes.count, !isClosed, Date() < deadline {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                usleep(1000)
            } else {
                return
            }
        }
    }

    /// Reads what is there without waiting: the bytes so far, and whether the peer closed.
    func poll() throws -> (bytes: [UInt8], closed: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !isClosed {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 {
                isClosed = true
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else if errno == EINTR {
                continue
            } else {
                isClosed = true
            }
        }
        return (received, isClosed)
    }

    /// Reads until the peer closes or `timeout` passes.
    func readUntilClosed(timeout: Double) async throws -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let state = try poll()
            if state.closed { return state }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try poll()
    }

    /// `GET path` with the test's token on a new connection to `target`, read until the daemon closes it.
    static func get(_ target: Target, _ path: String, timeout: Double = 20) async throws -> HTTPAnswer {
        let connection = try RawConnection(target)
        defer { connection.close() }
        // The Host curl would send: the TCP listener answers 421 to any other (DNS rebinding).
        let host: String
        switch target {
        case .tcp(let port): host = "127.0.0.1:\(port)"
        case .unix: host = "api.github.com"
        }
        let head = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAuthorization: token \(EndpointWorld.token)\r\n"
        connection.send(Array((head + "Connection: close\r\n\r\n").utf8))
        let reply = try await connection.readUntilClosed(timeout: timeout)
        try #require(reply.closed, "no complete reply to GET \(path) within \(timeout) s")
        return try HTTPAnswer(reply: reply.bytes)
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}
