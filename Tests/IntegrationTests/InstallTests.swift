import Foundation
import TestSupport
import Testing

/// scripts/install on the programs the tests use (the release build it makes by default is measured in
/// BENCHMARKS.md, not run here), and the runner image recipe checked against the Debian package's definition.
@Suite("Install and packaging", .serialized)
struct InstallTests {
    static let root = TestPaths.packageRoot.path
    static let programs = ["ghcache-get", "ghcache-stats", "ghcache-gc", "ghcache-peer"]
    /// The names installed as symbolic links to ghcache-get-full, which runs the command its name selects.
    static let links = ["ghcache-stats", "ghcache-gc", "ghcache-peer"]
    static let documented = ["ghcache-get", "ghcache-stats", "ghcache-gc", "ghcache-peer"]

    /// `scripts/install ARGUMENTS` into a fresh prefix; the prefix and the script's result.
    static func install(_ arguments: [String]) throws -> (prefix: String, result: ProcessResult) {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-install-\(UUID())").path
        let result = try NetworkLab.runBounded(
            "/bin/bash",
            ["\(root)/scripts/install", "--from", Binaries.directory, "--prefix", prefix] + arguments, timeout: 120)
        return (prefix, result)
    }

    static func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try NetworkLab.runBounded(program, arguments, timeout: 30)
    }

    static func isStripped(_ path: String) throws -> Bool {
        let sections = try run("/usr/bin/readelf", ["-S", "-W", path])
        try #require(sections.status == 0, "\(sections.stderr)")
        return !sections.stdoutText.contains(".symtab")
    }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOfFile: "\(root)/\(relativePath)", encoding: .utf8)
    }

    @Test("scripts/install puts the programs (stripped, or links), man pages and completions where README lists")
    func installLayout() throws {
        let (prefix, result) = try Self.install([])
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        #expect(result.status == 0, "\(result.stderr)")
        var expected = (Self.programs + ["ghcache-get-full"]).map { "bin/\($0)" }
        for name in Self.documented {
            expected += [
                "share/man/man1/\(name).1", "share/bash-completion/completions/\(name)",
                "share/zsh/site-functions/_\(name)", "share/fish/vendor_completions.d/\(name).fish",
            ]
        }
        for file in expected {
            let path = "\(prefix)/\(file)"
            #expect(FileManager.default.fileExists(atPath: path), "\(file) was not installed")
            #expect(result.stdoutText.contains(path), "scripts/install did not print \(path)")
        }
        for program in ["ghcache-get", "ghcache-get-full"] {
            #expect(try Self.isStripped("\(prefix)/bin/\(program)"), "\(program) is not stripped")
        }
        try Self.expectLinks(in: prefix, to: "ghcache-get-full")
        let version = try Self.run("\(prefix)/bin/ghcache-get", ["--version"])
        #expect(version.status == 0)
        #expect(version.stdoutText.contains("0."), "\(version.stdoutText)")
        // --help is the full program's: ghcache-get found ghcache-get-full next to it.
        let help = try Self.run("\(prefix)/bin/ghcache-get", ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdoutText.contains("USAGE"), "\(help.stdoutText)")
    }

    /// Each of `links` in PREFIX/bin is a symbolic link to `target` and behaves as the product of its name: the
    /// same help, version, and usage error (text and exit status).
    static func expectLinks(in prefix: String, to target: String) throws {
        for name in links {
            let path = "\(prefix)/bin/\(name)"
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path) == target, "\(name)")
            for arguments in [["--help"], ["--version"], ["--no-such-option"]] {
                let installed = try run(path, arguments)
                let product = try run(try Binaries.path(name), arguments)
                #expect(installed.status == product.status, "\(name) \(arguments): \(installed.stderr)")
                #expect(installed.stdoutText == product.stdoutText, "\(name) \(arguments)")
                #expect(installed.stderr == product.stderr, "\(name) \(arguments)")
            }
        }
    }

    @Test("scripts/install --libexec: ghcache-get-full in libexec/ghcache/, found from bin/ghcache-get")
    func libexecLayout() throws {
        let (prefix, result) = try Self.install(["--libexec"])
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(prefix)/bin/ghcache-get-full"))
        #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/libexec/ghcache/ghcache-get-full"))
        try Self.expectLinks(in: prefix, to: "../libexec/ghcache/ghcache-get-full")
        let help = try Self.run("\(prefix)/bin/ghcache-get", ["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdoutText.contains("USAGE"), "\(help.stdoutText)")
    }

    @Test("scripts/install refuses an unknown option and a directory without the programs, installing nothing")
    func badArguments() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-install-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let unknown = try NetworkLab.runBounded(
            "/bin/bash", ["\(Self.root)/scripts/install", "--prefx", prefix], timeout: 30)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("usage: scripts/install"), "\(unknown.stderr)")
        let empty = try NetworkLab.runBounded(
            "/bin/bash", ["\(Self.root)/scripts/install", "--from", "/nonexistent", "--prefix", prefix], timeout: 30)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("/nonexistent/ghcache-get is missing"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix))
    }

    /// The package names in a Debian relation field (`a (>= 1), b` → a, b).
    static func packageNames(_ field: String) -> Set<String> {
        Set(
            field.split(separator: ",").compactMap {
                $0.split(separator: " ").first.map(String.init)
            })
    }

    @Test("the runner image recipe builds and installs as the Debian package does, and the ARC values run it")
    func containerfileMatchesPackage() throws {
        let containerfile = try Self.text("contrib/Containerfile")
        let control = try Self.text("contrib/debian/control")
        let packageScript = try Self.text("scripts/package")
        let values = try Self.text("contrib/actions-runner-controller/runner-scale-set-values.yaml")
        let manifest = try Self.text("Package.swift")

        // The same programs, built the same way: both call scripts/install with --libexec.
        let installLine = try #require(
            containerfile.split(separator: "\n").first { $0.hasPrefix("RUN scripts/install ") })
        #expect(installLine.contains("--libexec"))
        #expect(packageScript.contains("scripts/install --prefix \"$root/usr\" --libexec"))
        let stagedPrefix = try #require(
            installLine.split(separator: " ").drop { $0 != "--prefix" }.dropFirst().first.map(String.init))
        #expect(containerfile.contains("COPY --from=build \(stagedPrefix)/ /usr/local/"))

        // The runtime libraries: the package's Depends less what every Debian or Ubuntu image has.
        let depends = try #require(control.split(separator: "\n").first { $0.hasPrefix("Depends: ") })
        let needed = Self.packageNames(String(depends.dropFirst("Depends: ".count))).subtracting(["libc6", "passwd"])
        let finalStage = try #require(containerfile.components(separatedBy: "FROM ${RUNNER_IMAGE}").last)
        let installed = try #require(
            finalStage.components(separatedBy: "--no-install-recommends").dropFirst().first?
                .components(separatedBy: "&&").first)
        #expect(Set(installed.split { $0.isWhitespace || $0 == "\\" }.map(String.init)) == needed)

        // The Swift image is at least the manifest's tools version.
        let tools = try #require(manifest.split(separator: "\n").first?.split(separator: ":").last)
            .trimmingCharacters(in: .whitespaces)
        let image = try #require(
            containerfile.split(separator: "\n").first { $0.hasPrefix("ARG SWIFT_IMAGE=") })
        let imageVersion = try #require(image.split(separator: ":").last?.split(separator: "-").first)
        #expect(
            imageVersion.split(separator: ".").compactMap { Int($0) }
                .lexicographicallyPrecedes(tools.split(separator: ".").compactMap { Int($0) }) == false,
            "swift:\(imageVersion) is older than swift-tools-version \(tools)")

        // The ARC values use the image this recipe's header names and run programs where it puts them.
        let tag = try #require(
            containerfile.split(separator: "\n").first { $0.contains("podman build -f contrib/Containerfile -t ") }?
                .components(separatedBy: " -t ").last?.split(separator: " ").first.map(String.init))
        let images = values.split(separator: "\n").filter { $0.contains("image:") }
        #expect(!images.isEmpty)
        for line in images { #expect(line.hasSuffix("image: \(tag)"), "\(line)") }
        let commands = values.split(separator: "\n").filter { $0.contains("command: [\"/usr/local/bin/") }
        #expect(!commands.isEmpty)
        for line in commands {
            let program = try #require(
                line.components(separatedBy: "/usr/local/bin/").last?.split(separator: "\"").first)
            #expect(Self.programs.contains(String(program)), "\(line) runs a program the image does not install")
        }
    }

    @Test(
        "the package's units run the packaged programs as the user its postinst creates, the socket open to its group")
    func unitsMatchPackage() throws {
        let postinst = try Self.text("contrib/debian/postinst")
        #expect(postinst.contains("groupadd --system ghcache"))
        #expect(postinst.contains("useradd --system --gid ghcache"))
        for unit in ["ghcache-peer.service", "ghcache-gc.service"] {
            let text = try Self.text("contrib/systemd/\(unit)")
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains("User=ghcache") && lines.contains("Group=ghcache"), "\(unit)")
            #expect(lines.contains("Environment=CACHE_DIR=/var/lib/ghcache"), "\(unit)")
            #expect(lines.contains("StateDirectory=ghcache") && lines.contains("StateDirectoryMode=0710"), "\(unit)")
            let program = try #require(lines.first { $0.hasPrefix("ExecStart=") }?.dropFirst("ExecStart=".count))
            #expect(Self.programs.contains(String(program)), "\(unit): ExecStart=\(program)")
        }
        let peer = try Self.text("contrib/systemd/ghcache-peer.service")
        #expect(peer.contains("\nEnvironment=CACHE_SOCKET_GROUP_ACCESS=true\n"))
    }
}
