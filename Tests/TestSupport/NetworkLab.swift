import Foundation
import Synchronization

/// Network namespaces on a private bridge, for tests of discovery between real processes: every node is a namespace
/// with one interface (`eth0`, `10.213.0.N/24`, multicast on, a route for `224.0.0.0/4`) on a bridge that lives in a
/// namespace of its own, so nothing changes on the machine's own interfaces.
///
/// Needs root and `ip netns` (CI runs as root); ``unavailableReason`` says why not. Namespaces are named
/// `ghct-<pid>-…`: a lab removes its own in ``destroy()`` (call it in a `defer`), and a new lab first removes those
/// of test processes that no longer run.
public final class NetworkLab: Sendable {
    /// Why namespaces cannot be used here, or `nil` when they can (checked once).
    public static let unavailableReason: String? = {
        guard getuid() == 0 else { return "network namespace tests need root (they run as root in CI)" }
        guard let ip = ipTool else { return "network namespace tests need the `ip` tool (iproute2)" }
        let probe = "ghct-\(getpid())-probe"
        guard (try? run(ip, ["netns", "add", probe])) != nil else {
            return "`ip netns add` does not work here (no CAP_SYS_ADMIN, or no namespace support)"
        }
        _ = try? run(ip, ["netns", "del", probe])
        return nil
    }()

    /// Whether namespace tests can run.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// The namespace names start with this (unique to this lab).
    public let prefix: String
    private static let ipTool: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    private let ip: String
    private let switchNamespace: String
    private let nodes = Mutex<[String]>([])

    /// A new, empty bridge.
    public init() throws {
        guard let ip = Self.ipTool, Self.isAvailable else {
            throw LabError(Self.unavailableReason ?? "network namespaces are unavailable")
        }
        self.ip = ip
        Self.removeLeftovers(ip: ip)
        prefix = "ghct-\(getpid())-\(UInt32.random(in: 0...0xffff))"
        switchNamespace = "\(prefix)-sw"
        try Self.run(ip, ["netns", "add", switchNamespace])
        try Self.run(ip, ["-n", switchNamespace, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"])
        try Self.run(ip, ["-n", switchNamespace, "link", "set", "br0", "up"])
    }

    /// The namespace of node `index` (1-based).
    public func namespace(_ index: Int) -> String { "\(prefix)-n\(index)" }

    /// The IPv4 address of node `index` on the bridge.
    public func address(_ index: Int) -> String { "10.213.0.\(index)" }

    /// Adds node `index` (1…250): a namespace with `eth0` on the bridge and `lo` up. Returns its namespace.
    @discardableResult
    public func addNode(_ index: Int) throws -> String {
        let ns = namespace(index)
        try Self.run(ip, ["netns", "add", ns])
        nodes.withLock { $0.append(ns) }
        let port = "v\(index)"
        try Self.run(
            ip, ["-n", switchNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns])
        try Self.run(ip, ["-n", switchNamespace, "link", "set", port, "master", "br0", "up"])
        try Self.run(ip, ["-n", ns, "addr", "add", "\(address(index))/24", "dev", "eth0"])
        try Self.run(ip, ["-n", ns, "link", "set", "eth0", "up", "multicast", "on"])
        try Self.run(ip, ["-n", ns, "link", "set", "lo", "up"])
        try Self.run(ip, ["-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0"])
        return ns
    }

    /// Makes `/etc/hosts` inside `namespace` (for processes started with ``command(in:_:_:)``) read `lines`; processes
    /// already running there see the new lines too.
    public func setHosts(_ namespace: String, _ lines: [String]) throws {
        let directory = "/etc/netns/\(namespace)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = (["127.0.0.1 localhost"] + lines).joined(separator: "\n") + "\n"
        let path = "\(directory)/hosts"
        guard let handle = FileHandle(forWritingAtPath: path) else {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            return
        }
        // Rewritten in place: running processes see the file through a bind mount of this inode.
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// The executable and arguments that run `executable arguments` inside `namespace` (`ip netns exec`).
    public func command(in namespace: String, _ executable: String, _ arguments: [String]) -> (String, [String]) {
        (ip, ["netns", "exec", namespace, executable] + arguments)
    }

    /// Removes every namespace of this lab and its `/etc/netns` files (processes inside must be stopped first).
    public func destroy() {
        for ns in nodes.withLock({ $0 }) + [switchNamespace] {
            _ = try? Self.run(ip, ["netns", "del", ns])
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(ns)")
        }
    }

    /// Deletes the namespaces (and `/etc/netns` entries) of earlier test processes that no longer run.
    private static func removeLeftovers(ip: String) {
        guard let listing = try? run(ip, ["netns", "list"]) else { return }
        for line in listing.split(separator: "\n") {
            guard let name = line.split(separator: " ").first.map(String.init), name.hasPrefix("ghct-") else {
                continue
            }
            let parts = name.split(separator: "-")
            guard parts.count >= 2, let pid = Int32(parts[1]), pid != getpid(), kill(pid, 0) != 0 else { continue }
            _ = try? run(ip, ["netns", "del", name])
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
        }
    }

    /// Runs `executable arguments` for at most `timeout` seconds (then SIGKILL): its exit status and output.
    public static func runBounded(_ executable: String, _ arguments: [String], timeout: Double) throws -> ProcessResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: ChildOutput.readToEnd(out.fileHandleForReading),
            stderr: String(decoding: ChildOutput.readToEnd(err.fileHandleForReading), as: UTF8.self))
    }

    /// Runs a short command (at most 10 s); throws with its stderr when it fails or is cut off.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try runBounded(executable, arguments, timeout: 10)
        guard result.status == 0 else {
            throw LabError(
                "\(executable) \(arguments.joined(separator: " ")) (status \(result.status), killed after 10 s if "
                    + "it hung): \(result.stderr)")
        }
        return result.stdoutText
    }
}

/// A failure setting up or tearing down a network namespace.
public struct LabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
