import Foundation

/// The installation tokens of a GitHub App, minted with the App's JWT and renewed before they expire.
///
/// GitHub (docs.github.com, "Generating an installation access token for a GitHub App"): `POST
/// /app/installations/{id}/access_tokens` with `Authorization: Bearer <JWT>` answers `201` with `token` and
/// `expires_at` (one hour later); such a token cannot be renewed, only minted again. The installation ID comes from
/// `CACHE_GITHUB_APP_INSTALLATION_ID`, or from `GET /orgs/{owner}/installation`, then `GET
/// /users/{owner}/installation`, with the JWT.
///
/// **Renewal rule.** A token of lifetime L (from GitHub's `expires_at` and its `Date`, so this machine's clock
/// does not matter) is replaced once L − min(10 min, L/2) has passed: at 50 minutes for GitHub's one-hour tokens,
/// at half-life for short ones. A failed renewal keeps using the current token while it is valid and tries again at
/// the next request. Transient failures (no connection, 5xx, 429) are retried up to ``attempts`` times with doubling
/// pauses from ``firstPause``; refusals (401, 403, 404) are not.
actor GitHubAppTokens {
    private struct Minted {
        var token: String
        /// When the token expires and when it is renewed, on this machine's clock.
        var expiresAt: Double
        var renewAt: Double
    }

    /// How many times one renewal is tried when GitHub cannot answer.
    static let attempts = 4
    /// The pause after the first failed attempt (then 2×, 4×…).
    static let firstPause: Duration = .milliseconds(500)
    /// Renewals after a 401 closer together than this are refused (a token GitHub keeps refusing is not minted
    /// again for every request).
    static let rejectionInterval: Double = 30

    private let settings: GitHubAppSettings
    private let key: GitHubAppKey
    private let apiURL: URL
    private let transport: any GitHubTransport
    private let clock: @Sendable () -> Double
    private let note: @Sendable (String) -> Void
    private let onChange: @Sendable (CredentialStatus) -> Void
    private var installationID: Int?
    private var current: Minted?
    private var minting: Task<Result<Minted, GHCacheError>, Never>?
    private var lastRejectionRenewal: Double?

    init(
        settings: GitHubAppSettings, key: GitHubAppKey, apiURL: URL, transport: any GitHubTransport,
        clock: @escaping @Sendable () -> Double, note: @escaping @Sendable (String) -> Void,
        onChange: @escaping @Sendable (CredentialStatus) -> Void
    ) {
        self.settings = settings
        self.key = key
        self.apiURL = apiURL
        self.transport = transport
        self.clock = clock
        self.note = note
        self.onChange = onChange
        self.installationID = settings.installationID
    }

    var status: CredentialStatus {
        let installation = installationID.map { "installation \($0)" } ?? "owner \(settings.owner ?? "?")"
        return CredentialStatus(
            kind: "app", detail: "\(settings.appID), \(installation)", expiresAt: current?.expiresAt)
    }

    /// The first token, at start-up: refusals are thrown; an unreachable GitHub only noted.
    func prepare() async throws(GHCacheError) {
        do {
            _ = try await renew()
        } catch  where error.exitStatus == .usage {
            throw error
        } catch {
            note(
                "cannot mint the GitHub App's first installation token (retried at the first request): \(error.message)"
            )
        }
    }

    func token() async throws(GHCacheError) -> String {
        if let current, clock() < current.renewAt { return current.token }
        do {
            return try await renew().token
        } catch {
            // GitHub could not be asked: the current token serves while it is valid.
            if let current, clock() < current.expiresAt - 1 {
                note("cannot renew the GitHub App's installation token yet: \(error.message)")
                return current.token
            }
            throw error
        }
    }

    func rejected(_ token: String) async -> Bool {
        if let current, current.token != token { return true }  // renewed since that request was sent
        let now = clock()
        if let last = lastRejectionRenewal, now - last < Self.rejectionInterval { return false }
        lastRejectionRenewal = now
        current = nil
        do {
            return try await renew().token != token
        } catch {
            note("GitHub refused the App's installation token and a new one cannot be minted: \(error.message)")
            return false
        }
    }

    /// Mints a token, or waits for the renewal in progress.
    private func renew() async throws(GHCacheError) -> Minted {
        let task: Task<Result<Minted, GHCacheError>, Never>
        if let minting {
            task = minting
        } else {
            task = Task { await self.mintWithRetries() }
            minting = task
        }
        let result = await task.value
        minting = nil
        let minted = try result.get()
        if current?.token != minted.token {
            current = minted
            onChange(status)
        }
        return minted
    }

    private func mintWithRetries() async -> Result<Minted, GHCacheError> {
        var pause = Self.firstPause
        var attempt = 1
        while true {
            do throws(MintFailure) {
                return .success(try await mint())
            } catch {
                switch error {
                case .refused(let failure): return .failure(failure)
                case .transient(let failure):
                    guard attempt < Self.attempts else { return .failure(failure) }
                }
            }
            try? await Task.sleep(for: pause)
            pause *= 2
            attempt += 1
        }
    }

    private enum MintFailure: Error {
        /// GitHub said no: retrying changes nothing.
        case refused(GHCacheError)
        /// GitHub could not answer.
        case transient(GHCacheError)
    }

    private func mint() async throws(MintFailure) -> Minted {
        let installation: Int
        if let installationID {
            installation = installationID
        } else {
            installation = try await findInstallation()
            installationID = installation
        }
        let response = try await send("POST", "/app/installations/\(installation)/access_tokens")
        guard response.status == 201 || response.status == 200 else {
            throw classify(response, installation: installation)
        }
        let received = clock()
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let token = object["token"] as? String, !token.isEmpty, !Redaction.hasControlCharacter(token),
            let expiresText = object["expires_at"] as? String,
            let expires = ISO8601DateFormatter().date(from: expiresText)?.timeIntervalSince1970
        else {
            throw .transient(
                GHCacheError(
                    "GitHub's answer to POST /app/installations/\(installation)/access_tokens has no token and "
                        + "expires_at", exitStatus: .githubError))
        }
        Redaction.register(token)
        // GitHub's `Date` has whole seconds: count the token's life from the end of that second.
        let serverNow = response.headers["date"].flatMap(ResponseClassifier.httpDate).map { $0 + 1 } ?? received
        let lifetime = max(0, expires - serverNow)
        return Minted(
            token: token, expiresAt: received + lifetime, renewAt: received + lifetime - min(600, lifetime / 2))
    }

    /// `GET /orgs/{owner}/installation`, then `GET /users/{owner}/installation`.
    private func findInstallation() async throws(MintFailure) -> Int {
        guard let owner = settings.owner else {
            throw .refused(GHCacheError("CACHE_GITHUB_APP_INSTALLATION_ID is not set", exitStatus: .usage))
        }
        for kind in ["orgs", "users"] {
            let response = try await send("GET", "/\(kind)/\(owner)/installation")
            if response.status == 404 { continue }
            guard response.status == 200 else { throw classify(response, installation: nil) }
            guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let id = object["id"] as? Int, id > 0
            else {
                throw .transient(
                    GHCacheError(
                        "GitHub's answer to GET /\(kind)/\(owner)/installation has no id", exitStatus: .githubError))
            }
            return id
        }
        throw .refused(
            GHCacheError(
                "the GitHub App \(settings.appID) is not installed on \(owner) (CACHE_GITHUB_APP_OWNER=\(owner); "
                    + "GitHub answered 404 to /orgs/\(owner)/installation and /users/\(owner)/installation): install "
                    + "the App on that organisation or user, or set CACHE_GITHUB_APP_INSTALLATION_ID",
                exitStatus: .usage))
    }

    private func send(_ method: String, _ path: String) async throws(MintFailure) -> GitHubResponse {
        let jwt: String
        do {
            jwt = try key.jwt(issuer: settings.appID, now: clock())
        } catch {
            throw .refused(error)
        }
        let request = UpstreamRequest(
            method: method, url: apiURL.absoluteString + path,
            headers: [
                ("User-Agent", "ghcache/\(GHCacheVersion.current)"), ("Accept", "application/vnd.github+json"),
                ("X-GitHub-Api-Version", "2022-11-28"), ("Authorization", "Bearer \(jwt)"),
            ])
        do {
            return try await transport.send(request)
        } catch {
            throw .transient(
                GHCacheError(
                    "cannot reach \(apiURL.absoluteString) for \(method) \(path): \(error)", exitStatus: .network))
        }
    }

    /// What a refusal means, in the operator's words.
    private func classify(_ response: GitHubResponse, installation: Int?) -> MintFailure {
        let message = ResponseClassifier.githubMessage(response.body) ?? HTTPStatusText.reason(response.status)
        let answered = "GitHub answered \(response.status) (\(message))"
        switch response.status {
        case 401 where message.contains("'exp'") || message.contains("'iat'"):
            return .refused(
                GHCacheError(
                    "\(answered) to the GitHub App's JWT: this machine's clock is off (GitHub allows a minute); "
                        + "synchronise it (NTP, `timedatectl set-ntp true`)", exitStatus: .usage))
        case 401:
            return .refused(wrongApp(answered))
        case 404 where message.contains("Integration not found"):
            return .refused(wrongApp(answered))
        case 404:
            let id = installation.map(String.init) ?? "?"
            return .refused(

                GHCacheError(
                    "\(answered): the GitHub App \(settings.appID) has no installation \(id) "
                        + "(CACHE_GITHUB_APP_INSTALLATION_ID=\(id)): take the ID from the installation's settings URL "
                        + "(…/settings/installations/ID), or set CACHE_GITHUB_APP_OWNER instead", exitStatus: .usage))
        case 403 where response.headers["retry-after"] != nil:
            return .transient(GHCacheError("\(answered) when minting an installation token", exitStatus: .githubError))
        case 429, 500...:
            return .transient(GHCacheError("\(answered) when minting an installation token", exitStatus: .githubError))
        default:
            return .refused(
                GHCacheError(
                    "\(answered) when minting the GitHub App's installation token (CACHE_GITHUB_APP_ID=\(settings.appID))",
                    exitStatus: .usage))
        }
    }

    private func wrongApp(_ answered: String) -> GHCacheError {
        GHCacheError(
            "\(answered) to the JWT of CACHE_GITHUB_APP_ID=\(settings.appID): check that it is the App's ID or client "
                + "ID (the App's settings page) and that CACHE_GITHUB_APP_PRIVATE_KEY_FILE is one of that App's "
                + "current private keys", exitStatus: .usage)
    }
}
