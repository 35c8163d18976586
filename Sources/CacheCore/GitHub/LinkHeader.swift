/// The `Link` response header (RFC 8288) as GitHub sends it for pagination:
/// `<https://api.github.com/...?page=2>; rel="next", <...?page=5>; rel="last"`.
public struct LinkHeader: Sendable, Equatable {
    /// Target URL by relation (`next`, `prev`, `first`, `last`).
    public let targets: [String: String]

    /// Parses a header value; unparseable parts are skipped.
    public init(_ value: String) {
        var targets: [String: String] = [:]
        for part in Self.splitLinks(value) {
            let pieces = part.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let first = pieces.first, first.hasPrefix("<"), first.hasSuffix(">") else { continue }
            let url = String(first.dropFirst().dropLast())
            for parameter in pieces.dropFirst() {
                let nameValue = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard nameValue.count == 2, nameValue[0].lowercased() == "rel" else { continue }
                let rels = nameValue[1].trimmingCharacters(in: "\"").split(separator: " ")
                for rel in rels where targets[String(rel)] == nil { targets[String(rel)] = url }
            }
        }
        self.targets = targets
    }

    /// The `rel="next"` target.
    public var next: String? { targets["next"] }

    /// Splits on commas that are outside `<...>`.
    private static func splitLinks(_ value: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var insideURL = false
        for character in value {
            switch character {
            case "<": insideURL = true
            case ">": insideURL = false
            case "," where !insideURL:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var result = Substring(self)
        while result.first == set { result.removeFirst() }
        while result.last == set { result.removeLast() }
        return String(result)
    }
}
