import Foundation

/// A hostile or broken "GitHub" on 127.0.0.1: every request gets the same raw HTTP/1.1 answer, whatever it is
/// (headers the stand-in would never send: `x-ratelimit-reset: 1e300`, `Retry-After: nan`...). Serves one
/// connection at a time on a thread of its own until ``stop()``.
public final class ScriptedUpstream: @unchecked Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let answer: [UInt8]
    private let lock = NSLock()
    private var requests = 0
    private var stopped = false

    /// Listens on a free port; each request is answered `status` with `headers` and `body`.
    public init(status: Int = 200, headers: [(String, String)], body: String = "{}") throws {
        var head = "HTTP/1.1 \(status) Scripted\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        answer = Array((head + body).utf8)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw CocoaError(.fileWriteUnknown)
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Requests answered so far.
    public var requestCount: Int { lock.withLock { requests } }

    /// Stops listening.
    public func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while !lock.withLock({ stopped }) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while !received.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)), received.count < 65536 {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            lock.withLock { requests += 1 }
            _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }
}
