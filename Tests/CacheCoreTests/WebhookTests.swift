import Crypto
import Foundation
import Testing

@testable import CacheCore

@Suite("Webhook deliveries: signatures and the cached resources they change")
struct WebhookTests {
    let secret = "It's a Secret to Everybody"
    // GitHub's documented example: this body and secret give this signature.
    let body = Data("Hello, World!".utf8)
    let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func acceptsGitHubsDocumentedExample() {
        #expect(WebhookDelivery.isSigned(body, header: signature, secret: secret))
        #expect(
            WebhookDelivery.isSigned(
                body, header: signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="),
                secret: secret))
    }

    @Test(arguments: [
        nil, "", "sha256=", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17ff",
    ])
    func refusesBadSignatures(header: String?) {
        #expect(!WebhookDelivery.isSigned(body, header: header, secret: secret))
    }

    @Test func refusesAnotherSecretOrBody() {
        #expect(!WebhookDelivery.isSigned(body, header: signature, secret: "another"))
        #expect(!WebhookDelivery.isSigned(Data("Hello, World?".utf8), header: signature, secret: secret))
        #expect(!WebhookDelivery.isSigned(body, header: signature, secret: ""))
    }

    private func delivery(_ event: String, _ json: String) -> WebhookDelivery {
        WebhookDelivery(event: event, deliveryID: "d1", body: Data(json.utf8))
    }

    @Test func workflowEventsMakeRunsJobsAndRunnersStale() {
        let organisation =
            #"{"action":"completed","repository":{"full_name":"octo-org/app"},"organization":{"login":"octo-org"}}"#
        #expect(
            delivery("workflow_run", organisation).stalePaths() == [
                StalePath("/repos/octo-org/app/actions/runs", subpaths: true),
                StalePath("/repos/octo-org/app/actions/jobs", subpaths: true),
                StalePath("/repos/octo-org/app/actions/runners", subpaths: true),
                StalePath("/orgs/octo-org/actions/runners", subpaths: true),
            ])
        let user = #"{"repository":{"full_name":"octocat/hello"}}"#
        #expect(delivery("workflow_job", user).stalePaths()?.count == 3)
    }

    @Test func repositoryAndPushEvents() {
        let user = #"{"repository":{"full_name":"octocat/hello"}}"#
        #expect(
            delivery("repository", user).stalePaths() == [
                StalePath("/repos/octocat/hello", subpaths: false), StalePath("/users/octocat/repos", subpaths: false),
            ])
        #expect(delivery("push", user).stalePaths()?.first == StalePath("/repos/octocat/hello", subpaths: false))
    }

    @Test func otherEventsAndBadPayloads() {
        #expect(delivery("ping", #"{"zen":"Keep it logically awesome."}"#).stalePaths() == nil)
        #expect(delivery("issues", #"{"repository":{"full_name":"o/r"}}"#).stalePaths() == nil)
        #expect(delivery("push", "not json").stalePaths() == [])
        #expect(delivery("push", #"{"repository":{"full_name":"../etc"}}"#).stalePaths() == [])
        #expect(delivery("push", #"{"repository":{"full_name":"o/r/x"}}"#).stalePaths() == [])
        #expect(delivery("push", #"{"repository":{"full_name":"o/r?x=1"}}"#).stalePaths() == [])
    }
}
