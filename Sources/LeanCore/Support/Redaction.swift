import Synchronization

/// The one function every error and log line goes through before it is written: secrets never reach stderr.
///
/// It removes the secrets this process was configured with (``register(_:)``: `GITHUB_TOKEN`, `GH_TOKEN`, the
/// fleet and webhook secrets, the password of a `GITHUB_API_URL`), and whatever has the form of one: the
/// `user:password@` of a URL, the credential after `Bearer`/`token`/`Basic` in a header, and GitHub's token formats
/// (`ghp_…`, `gho_…`, `ghu_…`, `ghs_…`, `ghr_…`, `github_pat_…`). Control characters are shown escaped, so that no
/// value can end a line early or move the terminal's cursor.
public enum Redaction {
    /// What a removed secret is replaced with.
    public static let placeholder = "[redacted]"

    private static let secrets = Mutex<Set<String>>([])

    /// Adds `secret` to the values removed from every line (values under 4 characters are ignored: they would
    /// blank out ordinary words, and are no secret).
    public static func register(_ secret: String?) {
        guard let secret, secret.utf8.count >= 4 else { return }
        _ = secrets.withLock { $0.insert(secret) }
    }

    /// `text` without secrets and with control characters escaped.
    public static func redact(_ text: String) -> String {
        // What has the form of a secret first (whole tokens, whole credentials), then the registered values.
        var result = redactGitHubTokens(redactAfterSchemes(redactURLCredentials(text)))
        for secret in secrets.withLock({ $0 }).sorted(by: { $0.utf8.count > $1.utf8.count })
        where result.contains(secret) {
            result = result.replacing(secret, with: placeholder)
        }
        return escapeControlCharacters(result)
    }

    /// ``redact(_:)`` line by line: a message of several lines (a usage text) keeps its line breaks.
    public static func redactLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { redact(String($0)) }.joined(separator: "\n")
    }

    /// `scheme://user:password@host` → `scheme://[redacted]@host` (and `scheme://user@host` alike).
    public static func redactURLCredentials(_ text: String) -> String {
        guard text.contains("://") else { return text }
        var output = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: "://") {
            output += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" || $0 == " " || $0 == "\"" }
            let authority = rest[..<(authorityEnd ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@") {
                output += placeholder
                rest = rest[at...]
            }
        }
        return output + rest
    }

    /// The credential after `Bearer `, `token ` or `Basic ` (any case) → `[redacted]`: a run of RFC 6750 token
    /// characters at least 8 long with a digit in it (so that ordinary words after "token" stay).
    private static func redactAfterSchemes(_ text: String) -> String {
        let characters = Array(text)
        let lowered = characters.map { $0.isASCII ? Character($0.lowercased()) : $0 }
        let schemes = ["bearer ", "token ", "basic "].map(Array.init)
        let isTokenCharacter: (Character) -> Bool = {
            $0.isASCII && ($0.isLetter || $0.isNumber || "-._~+/=".contains($0))
        }
        var output = ""
        var index = 0
        while index < characters.count {
            if let scheme = schemes.first(where: { lowered[index...].starts(with: $0) }) {
                output += String(characters[index..<index + scheme.count])
                index += scheme.count
                let length = characters[index...].prefix(while: isTokenCharacter).count
                if length >= 8, characters[index..<index + length].contains(where: \.isNumber) {
                    output += placeholder
                    index += length
                }
                continue
            }
            output.append(characters[index])
            index += 1
        }
        return output
    }

    /// GitHub tokens by their documented prefixes.
    private static func redactGitHubTokens(_ text: String) -> String {
        let prefixes = ["github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
        guard prefixes.contains(where: { text.contains($0) }) else { return text }
        var output = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            if let prefix = prefixes.first(where: { rest.hasPrefix($0) }) {
                // Installation tokens since 2026 are JWT-like (`ghs_<app>_<header>.<payload>.<signature>`, base64url
                // parts): the dots and dashes are part of the token; a dot that ends a sentence is not.
                var body = rest.dropFirst(prefix.count).prefix {
                    $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".")
                }
                while body.last == "." { body = body.dropLast() }
                if body.count >= 8 {
                    output += placeholder
                    rest = rest[body.endIndex...]
                    continue
                }
            }
            output.append(rest.removeFirst())
        }
        return output
    }

    /// Control characters (other than tab) as `\r`, `\n` or `\u{1B}`.
    public static func escapeControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": output += "\\r"
            case "\n": output += "\\n"
            case _ where isControl(scalar): output += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Whether `text` has a character that has no place in a header value or a token (C0 controls but tab, DEL,
    /// C1 controls).
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: { isControl($0) || $0 == "\t" })
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}
