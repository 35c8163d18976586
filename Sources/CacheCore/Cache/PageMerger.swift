import Foundation

/// Merges the pages of a paginated response into one JSON array (`--paginate`).
///
/// A page that is an array contributes its elements. A page that is an object wrapping a list —
/// `{"total_count": 3, "workflow_runs": [...]}`, `runners`, `repositories`, `items`, `jobs`... —
/// contributes the elements of its only array-valued member (with several array members, the
/// first of ``wrapperKeys`` present). Elements keep GitHub's exact bytes.
public enum PageMerger {
    /// Wrapper members preferred when an object has more than one array member.
    public static let wrapperKeys = [
        "items", "workflow_runs", "runners", "repositories", "jobs", "artifacts", "workflows", "check_runs",
        "check_suites", "secrets", "variables", "runner_groups", "deployments", "environments", "labels",
    ]

    /// The elements of all pages, as one JSON array.
    public static func merge(_ pages: [Data]) throws(GHCacheError) -> Data {
        var output = Data("[".utf8)
        var first = true
        for (number, page) in pages.enumerated() {
            let bytes = [UInt8](page)
            for range in try elements(of: bytes, page: number + 1) {
                if !first { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: bytes[range])
                first = false
            }
        }
        output.append(contentsOf: Array("]".utf8))
        return output
    }

    private static func elements(of bytes: [UInt8], page: Int) throws(GHCacheError) -> [Range<Int>] {
        let scanner = JSONScanner(bytes: bytes)
        do {
            switch scanner.firstByte() {
            case UInt8(ascii: "["):
                return try scanner.arrayElements()
            case UInt8(ascii: "{"):
                let arrays = try scanner.objectMembers().filter { bytes[$0.value.lowerBound] == UInt8(ascii: "[") }
                let chosen =
                    arrays.count == 1
                    ? arrays.first : wrapperKeys.lazy.compactMap { key in arrays.first { $0.key == key } }.first
                guard let chosen else {
                    throw GHCacheError(
                        "cannot merge page \(page) with --paginate: the response is an object without a single list "
                            + "member; drop --paginate", exitStatus: .githubError)
                }
                return try scanner.arrayElements(at: chosen.value.lowerBound)
            default:
                throw GHCacheError(
                    "cannot merge page \(page) with --paginate: the response is not a JSON array or object",
                    exitStatus: .githubError)
            }
        } catch let error as JSONScanner.SyntaxError {
            throw GHCacheError(
                "cannot merge page \(page) with --paginate: invalid JSON near byte \(error.offset)",
                exitStatus: .githubError)
        } catch let error as GHCacheError {
            throw error
        } catch {
            throw GHCacheError("cannot merge page \(page): \(error)", exitStatus: .githubError)
        }
    }
}
