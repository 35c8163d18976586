import CacheCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `BoundedProcess` runs helpers such as `gh auth token` from a daemon that may hold thousands of connections.
@Suite("Helper processes")
struct BoundedProcessTests {
    private let path = ["PATH": "/usr/bin:/bin"]

    @Test("with 3000 descriptors open the helper runs and inherits none of them")
    func manyOpenDescriptors() throws {
        var held: [Int32] = []
        defer { for descriptor in held { close(descriptor) } }
        for _ in 0..<3000 {
            let descriptor = open("/dev/null", O_RDONLY)
            try #require(descriptor >= 0, "open: errno \(errno)")
            held.append(descriptor)
        }
        // `ls` lists its own descriptors: 0, 1 and 2 from us, and the one it reads the directory with.
        let result = try #require(
            BoundedProcess.run(["ls", "/proc/self/fd"], environment: path, timeout: .seconds(10)))
        #expect(result.status == 0)
        let listed = String(decoding: result.standardOutput, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        #expect(listed.count <= 4 && listed.prefix(3) == ["0", "1", "2"], "\(listed.prefix(20))")
    }

    @Test("standard output, the exit status, an empty standard input and a silenced standard error")
    func streamsAndStatus() throws {
        let script = "read line; echo \"in:[$line]\"; echo secret >&2; echo out; exit 3"
        let result = try #require(BoundedProcess.run(["sh", "-c", script], environment: path, timeout: .seconds(10)))
        #expect(result.status == 3)
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "in:[]\nout\n")
        let killed = try #require(
            BoundedProcess.run(["sh", "-c", "kill -TERM $$"], environment: path, timeout: .seconds(10)))
        #expect(killed.status == 128 + SIGTERM)
    }

    @Test("a program that is not there exits 127 (from env); a helper that outlives its time gives nil")
    func failures() throws {
        #expect(
            BoundedProcess.run(["no-such-program-ghcache"], environment: path, timeout: .seconds(10))?.status == 127)
        let start = ContinuousClock.now
        #expect(BoundedProcess.run(["sleep", "30"], environment: path, timeout: .milliseconds(300)) == nil)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
