import Foundation

/// Rewrites absolute URLs that name the upstream API (`https://api.github.com/...`, or `GITHUB_API_URL`) to the
/// TCP listener's own origin, so that clients which follow them (octokit's pagination, PyGithub's same-host
/// check on `Link` and `url` fields) keep going through the cache. Applied on the way out only: the store keeps
/// GitHub's bytes. Everything that is not such a URL is left byte for byte as it was.
struct OriginRewriter: Sendable {
    /// The upstream API base as GitHub writes it, without a trailing `/`.
    let upstream: [UInt8]
    /// What replaces it: `http://HOST:PORT`, plus `/api/v3` when the client used that prefix.
    let local: [UInt8]

    init(upstream: String, local: String) {
        var base = upstream
        while base.hasSuffix("/") { base.removeLast() }
        self.upstream = Array(base.utf8)
        self.local = Array(local.utf8)
    }

    /// A URL (a `Location` header): rewritten when it starts with the upstream base.
    func url(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard hasUpstreamPrefix(bytes, at: 0, end: bytes.count) else { return value }
        return String(decoding: local + bytes[upstream.count...], as: UTF8.self)
    }

    /// A `Link` header: every `<URL>` that starts with the upstream base.
    func link(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<"), hasUpstreamPrefix(bytes, at: index + 1, end: bytes.count) {
                output.append(UInt8(ascii: "<"))
                output += local
                index += 1 + upstream.count
                continue
            }
            output.append(bytes[index])
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A JSON body: the string values of members named `url` or `*_url` (at any depth) that start with the
    /// upstream base. Returns `nil` when nothing changed (or the body is not JSON the scanner can follow).
    func json(_ body: Data) -> Data? {
        let bytes = [UInt8](body)
        var output: [UInt8] = []
        var copiedUpTo = 0
        var index = 0
        var changed = false
        let quote = UInt8(ascii: "\"")
        while index < bytes.count {
            guard bytes[index] == quote else {
                index += 1
                continue
            }
            guard let keyEnd = Self.stringEnd(bytes, from: index) else { return nil }
            let keyRange = (index + 1)..<(keyEnd - 1)
            var next = Self.skipSpace(bytes, from: keyEnd)
            guard next < bytes.count, bytes[next] == UInt8(ascii: ":") else {
                index = keyEnd
                continue
            }
            next = Self.skipSpace(bytes, from: next + 1)
            guard next < bytes.count, bytes[next] == quote, Self.isURLKey(bytes[keyRange]) else {
                index = next
                continue
            }
            guard let valueEnd = Self.stringEnd(bytes, from: next) else { return nil }
            if hasUpstreamPrefix(bytes, at: next + 1, end: valueEnd - 1) {
                output += bytes[copiedUpTo...next]
                output += local
                copiedUpTo = next + 1 + upstream.count
                changed = true
            }
            index = valueEnd
        }
        guard changed else { return nil }
        output += bytes[copiedUpTo...]
        return Data(output)
    }

    /// Whether `bytes[start..<end]` begins with the upstream base followed by the end, `/`, `?` or `#`.
    private func hasUpstreamPrefix(_ bytes: [UInt8], at start: Int, end: Int) -> Bool {
        guard !upstream.isEmpty, start + upstream.count <= end else { return false }
        for offset in 0..<upstream.count where bytes[start + offset] != upstream[offset] { return false }
        let after = start + upstream.count
        guard after < end else { return true }
        return [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: ">")].contains(bytes[after])
    }

    private static func isURLKey(_ key: ArraySlice<UInt8>) -> Bool {
        let url = Array("url".utf8)
        let suffix = Array("_url".utf8)
        return Array(key) == url || (key.count > suffix.count && Array(key.suffix(suffix.count)) == suffix)
    }

    /// The index just past the closing quote of the string starting at `start`, or `nil` if it never closes.
    private static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    private static func skipSpace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }
}
