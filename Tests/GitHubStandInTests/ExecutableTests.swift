import AsyncHTTPClient
import Foundation
import GitHubStandIn
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

/// A started `github-stand-in` process and its base URL (its first stdout line).
private struct Launched {
    let process: Process
    let reader: FileHandle
    let base: String

    static func start(_ arguments: [String]) async throws -> Launched {
        let process = Process()
        process.executableURL = try standInBinary()
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
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
        return Launched(process: process, reader: reader, base: firstLine.trimmingCharacters(in: .newlines))
    }

    /// SIGTERM, then waits up to 5 s for the exit.
    func stop() async throws {
        process.terminate()
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        try #require(!process.isRunning, "github-stand-in did not exit within 5 s of SIGTERM")
    }
}

/// `GET base+path` with `token`; the status, headers and body.
private func get(_ client: HTTPClient, _ url: String, token: String) async throws -> (HTTPClientResponse, Data) {
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Authorization", value: "token \(token)")
    let response = try await client.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (response, Data(body.readableBytesView))
}

@Suite("github-stand-in executable")
struct ExecutableTests {
    @Test("Prints only its base URL on stdout, serves with --rate-limit, and exits 0 on SIGTERM")
    func commandLineContract() async throws {
        let launched = try await Launched.start(["--port", "0", "--rate-limit", "3"])
        defer { if launched.process.isRunning { launched.process.terminate() } }
        let base = launched.base
        #expect(base.wholeMatch(of: /http:\/\/127\.0\.0\.1:\d+/) != nil, "first line: \(base)")

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let (response, _) = try await get(client, base + "/repos/octo/app", token: "exe")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "x-ratelimit-remaining") == "2")
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }

        try await launched.stop()
        #expect(launched.process.terminationStatus == 0)
        #expect(ChildOutput.readToEnd(launched.reader).isEmpty)
    }

    @Test("--access FILE and --etag-formula set the access rules and the ETag formula at start")
    func accessAndFormulaFlags() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("standin-access-\(UUID()).json")
        try Data(
            #"{"private_repositories":["octo/secret"],"grants":[{"token":"in","scope":"octo/secret","role":"read"}]}"#
                .utf8
        ).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let launched = try await Launched.start(["--access", file.path, "--etag-formula", "body-only"])
        defer { if launched.process.isRunning { launched.process.terminate() } }

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let (allowed, body) = try await get(client, launched.base + "/repos/octo/secret", token: "in")
            #expect(allowed.status == .ok)
            #expect(allowed.headers.first(name: "ETag") == "W/\"\(StandInETag.hex(body: body))\"")
            let (refused, _) = try await get(client, launched.base + "/repos/octo/secret", token: "out")
            #expect(refused.status == .notFound)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await launched.stop()
    }

    @Test(
        "Bad --access or --etag-formula values stop it with a message before it listens",
        arguments: [["--etag-formula", "md5"], ["--access", "/nonexistent/rules.json"]])
    func badFlags(arguments: [String]) async throws {
        let process = Process()
        process.executableURL = try standInBinary()
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(10))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let message = String(decoding: ChildOutput.readToEnd(stderr.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains(arguments[0]), "\(message)")
        #expect(ChildOutput.readToEnd(stdout.fileHandleForReading).isEmpty)
    }
}
