import Foundation

/// GitHub's `page`/`per_page` pagination and its `Link` header.
struct Pagination: Sendable, Equatable {
    static let defaultPerPage = 30
    static let maxPerPage = 100

    var page: Int
    var perPage: Int

    /// Reads `page` (default 1) and `per_page` (default 30, at most 100) like GitHub: values that are not
    /// positive integers fall back to the default.
    init(query: [String: String]) {
        let page = query["page"].flatMap { Int($0) } ?? 1
        let perPage = query["per_page"].flatMap { Int($0) } ?? Self.defaultPerPage
        self.page = page >= 1 ? page : 1
        self.perPage = perPage >= 1 ? min(perPage, Self.maxPerPage) : Self.defaultPerPage
    }

    /// The number of pages for `count` items (at least 1).
    func lastPage(count: Int) -> Int { max(1, (count + perPage - 1) / perPage) }

    /// The slice of `items` on this page (empty past the end).
    func slice<T>(_ items: [T]) -> [T] {
        let start = (page - 1).multipliedReportingOverflow(by: perPage)
        guard !start.overflow, start.partialValue < items.count else { return [] }
        return Array(items[start.partialValue..<min(items.count, start.partialValue + perPage)])
    }

    /// `Link` with `prev`, `next`, `last`, `first` (GitHub's order) for a list of `count` items, or `nil` when it
    /// fits on one page. Links keep the request's other query items and set `page`.
    func linkHeader(count: Int, base: String, path: String, queryItems: [URLQueryItem]) -> String? {
        let last = lastPage(count: count)
        guard last > 1 || page > 1 else { return nil }
        func link(_ target: Int, _ rel: String) -> String {
            var components = URLComponents()
            components.path = path
            components.queryItems =
                queryItems.filter { $0.name != "page" } + [URLQueryItem(name: "page", value: "\(target)")]
            return "<\(base)\(components.string ?? path)>; rel=\"\(rel)\""
        }
        var links: [String] = []
        if page > 1 { links.append(link(min(page - 1, last), "prev")) }
        if page < last {
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        }
        if page > 1 { links.append(link(1, "first")) }
        return links.joined(separator: ", ")
    }
}
