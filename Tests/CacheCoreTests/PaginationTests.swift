import Foundation
import Testing

@testable import CacheCore

@Suite("Link headers and --paginate merging")
struct PaginationTests {
    @Test("GitHub's Link header")
    func link() {
        let header = LinkHeader(
            #"<https://api.github.com/user/repos?page=3&per_page=100>; rel="next", <https://api.github.com/user/repos?page=50&per_page=100>; rel="last""#
        )
        #expect(header.next == "https://api.github.com/user/repos?page=3&per_page=100")
        #expect(header.targets["last"] == "https://api.github.com/user/repos?page=50&per_page=100")
        #expect(LinkHeader(#"<https://x/a?b=1,2>; rel="prev""#).targets["prev"] == "https://x/a?b=1,2")
        #expect(LinkHeader("garbage").next == nil)
    }

    @Test("array pages are concatenated with their exact bytes")
    func arrays() throws {
        let merged = try PageMerger.merge([
            Data(#"[{"a":1},{"b":"]["}]"#.utf8), Data(" [ ] ".utf8), Data("[3,\"x\\\"]\"]".utf8),
        ])
        #expect(String(decoding: merged, as: UTF8.self) == #"[{"a":1},{"b":"]["},3,"x\"]"]"#)
    }

    @Test("wrapped lists merge their inner array; the wrapper is dropped")
    func wrapped() throws {
        let page1 = #"{"total_count":3,"workflow_runs":[{"id":1},{"id":2}]}"#
        let page2 = #"{"total_count":3,"workflow_runs":[{"id":3}]}"#
        let merged = try PageMerger.merge([Data(page1.utf8), Data(page2.utf8)])
        #expect(String(decoding: merged, as: UTF8.self) == #"[{"id":1},{"id":2},{"id":3}]"#)
        let twoArrays = #"{"labels":[1],"items":[{"id":9}],"total_count":1}"#
        #expect(String(decoding: try PageMerger.merge([Data(twoArrays.utf8)]), as: UTF8.self) == #"[{"id":9}]"#)
    }

    @Test("objects without a list and invalid JSON are refused with a message")
    func refused() {
        #expect(throws: GHCacheError.self) { try PageMerger.merge([Data(#"{"id":1}"#.utf8)]) }
        #expect(throws: GHCacheError.self) { try PageMerger.merge([Data(#"[{"id":1}"#.utf8)]) }
        #expect(throws: GHCacheError.self) { try PageMerger.merge([Data("42".utf8)]) }
    }

    @Test("CIDv1 raw sha2-256 base32 matches the DESIGN vector")
    func contentID() {
        #expect(ContentID.of(Data("hello world".utf8)) == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        #expect(
            ContentID.matches(
                "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", body: Data("hello world".utf8)))
        #expect(
            !ContentID.matches("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", body: Data("hello".utf8)))
    }
}
