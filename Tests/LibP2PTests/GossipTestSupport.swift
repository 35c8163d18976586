import Foundation
import Testing

/// Test helpers of the multiformats / identity / gossipsub tests (distinct names so they never
/// clash with the transport tests in the same target).
enum GossipFixtures {
    /// The string-valued sections of `Resources/libp2p-vectors.json`.
    static let vectors: [String: [String: String]] = {
        guard
            let url = Bundle.module.url(
                forResource: "libp2p-vectors", withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            Issue.record("Resources/libp2p-vectors.json is missing or not a JSON object")
            return [:]
        }
        return object.compactMapValues { section in
            (section as? [String: Any])?.compactMapValues { $0 as? String }
        }
    }()

    /// A string value at `section.key` in the vectors file (records an issue if absent).
    static func string(_ section: String, _ key: String) -> String {
        guard let value = vectors[section]?[key] else {
            Issue.record("vector \(section).\(key) missing")
            return ""
        }
        return value
    }

    /// The bytes of a hex vector at `section.key`.
    static func bytes(_ section: String, _ key: String) -> [UInt8] {
        bytes(hex: string(section, key))
    }

    /// Decodes lower- or upper-case hex; records an issue on malformed input.
    static func bytes(hex: String) -> [UInt8] {
        let chars = Array(hex.utf8)
        guard chars.count.isMultiple(of: 2) else {
            Issue.record("odd-length hex")
            return []
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else {
                Issue.record("bad hex")
                return []
            }
            out.append(byte)
        }
        return out
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
