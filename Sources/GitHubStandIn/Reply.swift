import Foundation
import NIOHTTP1

/// A complete HTTP answer. `Content-Length` is added when it is written.
struct Reply: Sendable {
    var status: HTTPResponseStatus
    var headers: [(String, String)]
    /// `nil` for answers that have no body at all (304).
    var body: Data?

    /// A JSON answer.
    static func json(_ status: HTTPResponseStatus, _ value: JSONValue, headers: [(String, String)] = []) -> Reply {
        Reply(
            status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: value.serialized())
    }

    /// A GitHub error body: `{"message":…,"documentation_url":…,"status":"…"}`.
    static func githubError(_ status: HTTPResponseStatus, message: String, headers: [(String, String)] = []) -> Reply {
        json(
            status,
            [
                "message": .string(message), "documentation_url": "https://docs.github.com/rest",
                "status": .string("\(status.code)"),
            ],
            headers: headers)
    }
}

/// What the connection handler does with a request.
enum ReplyPlan: Sendable {
    /// Write `reply` after `delay`.
    case respond(Reply, delay: Duration)
    /// Keep the connection open and never answer.
    case hang
    /// Close the connection with a TCP reset, without answering.
    case reset
}

/// The parts of a request the stand-in looks at.
struct IncomingRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: Data
    /// The client's IP address (keys the unauthenticated budget).
    var clientAddress: String
    /// `http://127.0.0.1:PORT` of the listening socket, for links when the request has no usable `Host`.
    var serverBase: String

    /// The path without the query, as sent.
    var path: String {
        let beforeFragment = uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return String(beforeFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }

    /// The query items in order (percent-decoded); empty when there is no query or it is malformed.
    var queryItems: [URLQueryItem] {
        URLComponents(string: "http://stand-in\(uri)")?.queryItems ?? []
    }

    /// The query as a dictionary (the last value of a repeated name wins).
    var query: [String: String] {
        Dictionary(queryItems.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
    }
}
