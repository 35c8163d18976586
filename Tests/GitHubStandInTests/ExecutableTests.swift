import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

/// The `github-stand-in` binary beside the test bundle (`swift build --build-tests` builds it).
private func standInBinary() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent().deletingLastPathComponent()]
        .map { $0.appendingPathComponent("github-stand-in") }
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw BinaryMissing(searched: candidates.map(\.path))
    }
    return binary
}

private struct BinaryMissing: Error, CustomStringConvertible {
    var searched: [String]
    var description: String {
        "github-stand-in not found (looked at \(searched.joined(separator: ", "))): run `swift build --build-tests`"
    }
}

@Suite("github-stand-in executable")
struct ExecutableTests {
    @Test("Prints only its base URL on stdout, serves with --rate-limit, and exits 0 on SIGTERM")
    func commandLineContract() async throws {
        let process = Process()
        process.executableURL = try standInBinary()
        process.arguments = ["--port", "0", "--rate-limit", "3"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let reader = stdout.fileHandleForReading
        let firstLine = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var bytes = Data()
                while !bytes.contains(UInt8(ascii: "\n")) {
                    let chunk = ChildOutput.readChunk(reader)
                    if chunk.isEmpty { break }
                    bytes.append(chunk)
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                process.terminate()
                throw CancellationError()
            }
            defer { group.cancelAll() }
            return try await group.next() ?? ""
        }
        let base = firstLine.trimmingCharacters(in: .newlines)
        #expect(base.wholeMatch(of: /http:\/\/127\.0\.0\.1:\d+/) != nil, "first line: \(firstLine)")

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: base + "/repos/octo/app")
            request.headers.add(name: "Authorization", value: "token exe")
            let response = try await client.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "x-ratelimit-remaining") == "2")
            _ = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }

        process.terminate()
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        try #require(!process.isRunning, "github-stand-in did not exit within 5 s of SIGTERM")
        #expect(process.terminationStatus == 0)
        #expect(ChildOutput.readToEnd(reader).isEmpty)
    }
}
