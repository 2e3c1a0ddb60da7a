// Third-party login (OpenID Connect, authorization code with PKCE) through the generated Swift
// bindings, with the reference server's dev provider registered as "dev". The test plays the
// browser at the provider (`/dev/oidc/authorize`, redirects not followed): the 302's `Location`
// is the callback the app receives. The provider's nickname and picture reach the profile only
// if the user binds, which is recorded as the thirdPartySharing consent. Every test gets its
// own server (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class OAuthLoginTests: ServerTestCase {
    private static let login = ReferenceServer.RecordedRequest(method: "POST", path: "/v1/auth/oauth")
    private static let redirectUri = "com.medcircle.app:/oauth/callback"

    /// A client offering the dev provider for third-party login.
    private func openOAuthClient(dataDir: URL) async throws -> MedCircle {
        try await openClient(dataDir: dataDir, oauthProviders: [devOidcProvider(server: server)])
    }

    /// How many third-party logins reached the server.
    private func oauthLogins() async throws -> Int {
        try await server.devRequests().filter { $0 == Self.login }.count
    }

    // 1. Binding copies the provider's nickname and avatar and records the consent.
    func testBindingCopiesTheProvidersNicknameAndAvatarAndRecordsTheConsent() async throws {
        let client = try await openOAuthClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        XCTAssertEqual(auth.oauthProviders(), ["dev"])

        let started = try await auth.startOauthLogin(provider: "dev")
        XCTAssertEqual(started.provider, "dev")
        let url = started.authorizationUrl
        XCTAssertTrue(url.hasPrefix(server.baseURL + "/dev/oidc/authorize?"), "url \(url)")
        XCTAssertEqual(queryValues(url, "code_challenge_method"), ["S256"], "url \(url)")
        XCTAssertEqual(queryValue(url, "code_challenge")?.count, 43, "url \(url)")
        XCTAssertEqual(queryValues(url, "response_type"), ["code"], "url \(url)")
        XCTAssertEqual(queryValues(url, "client_id"), ["medcircle-app"], "url \(url)")
        XCTAssertEqual(queryValues(url, "redirect_uri"), [Self.redirectUri], "url \(url)")
        XCTAssertTrue(queryValue(url, "scope")?.split(separator: " ").contains("openid") == true, "url \(url)")
        let state = try XCTUnwrap(queryValue(url, "state"))
        XCTAssertGreaterThanOrEqual(state.count, 16, "state \(state)")
        XCTAssertFalse(try XCTUnwrap(queryValue(url, "nonce")).isEmpty)

        let callback = try await server.browserAuthorize(url, subject: "doctor-li")
        XCTAssertTrue(callback.hasPrefix(Self.redirectUri + "?"), "callback \(callback)")
        XCTAssertEqual(queryValue(callback, "state"), state)
        XCTAssertFalse(try XCTUnwrap(queryValue(callback, "code")).isEmpty)

        let account = try await auth.completeOauthLogin(callbackUrl: callback)
        XCTAssertEqual(account.provider, "dev")
        XCTAssertEqual(account.nickname, "Dr. Demo")
        let avatar = try XCTUnwrap(account.avatarUrl, "the provider has a picture")
        XCTAssertTrue(avatar.hasPrefix("http"), "avatar \(avatar)")
        // Shown to the user before anything is decided: not logged in, nothing shared yet.
        XCTAssertEqual(auth.sessionState(), .loggedOut)
        XCTAssertFalse(try granted(.thirdPartySharing, in: client), "granted before the user decided")
        let loginsBefore = try await oauthLogins()
        XCTAssertEqual(loginsBefore, 0, "logged in before the user decided")

        let user = try await auth.finishOauthLogin(bindProfile: true)
        XCTAssertEqual(user.nickname, "Dr. Demo")
        XCTAssertEqual(user.avatarUrl, avatar)
        XCTAssertFalse(user.id.isEmpty)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))
        let me = try await auth.whoami()
        XCTAssertEqual(me.avatarUrl, avatar)
        XCTAssertTrue(try granted(.thirdPartySharing, in: client), "binding must be a recorded consent")
        let loginsAfter = try await oauthLogins()
        XCTAssertEqual(loginsAfter, 1)

        // The same provider account, on another installation, is the same MedCircle account, and
        // the consent given by binding follows it there.
        let other = try await openOAuthClient(dataDir: try newDataDir())
        try await acceptPolicy(other)
        XCTAssertFalse(try granted(.thirdPartySharing, in: other))
        let again = try await other.auth().startOauthLogin(provider: "dev")
        let againCallback = try await server.browserAuthorize(again.authorizationUrl, subject: "doctor-li")
        _ = try await other.auth().completeOauthLogin(callbackUrl: againCallback)
        let sameUser = try await other.auth().finishOauthLogin(bindProfile: false)
        XCTAssertEqual(sameUser.id, user.id)
        XCTAssertTrue(try granted(.thirdPartySharing, in: other), "the account's consent did not follow it")
    }

    // 2. Declining to bind logs in with a default profile and shares nothing.
    func testDecliningToBindLogsInWithADefaultProfileAndSharesNothing() async throws {
        let client = try await openOAuthClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        let started = try await auth.startOauthLogin(provider: "dev")
        let callback = try await server.browserAuthorize(started.authorizationUrl, subject: "doctor-wang")
        let account = try await auth.completeOauthLogin(callbackUrl: callback)
        XCTAssertEqual(account.nickname, "Dr. Demo")
        XCTAssertNotNil(account.avatarUrl, "the provider has a picture")

        let user = try await auth.finishOauthLogin(bindProfile: false)
        XCTAssertNotEqual(user.nickname, "Dr. Demo")
        XCTAssertFalse(user.nickname.isEmpty)
        XCTAssertNil(user.avatarUrl)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))
        let me = try await auth.whoami()
        XCTAssertEqual(me.id, user.id)
        XCTAssertEqual(me.nickname, user.nickname)
        XCTAssertNil(me.avatarUrl)
        XCTAssertFalse(try granted(.thirdPartySharing, in: client), "declining must not grant sharing")
        let logins = try await oauthLogins()
        XCTAssertEqual(logins, 1)
    }

    // 3. A refusal at the provider, a forged state and an unknown provider log nobody in.
    func testARefusalAForgedStateAndAnUnknownProviderLogNobodyIn() async throws {
        let client = try await openOAuthClient(dataDir: try newDataDir())
        let auth = client.auth()

        // Before the policy is accepted nothing starts.
        let early = await captureError(AuthError.self) { try await auth.startOauthLogin(provider: "dev") }
        XCTAssertEqual(early, .ConsentRequired(purpose: .privacyPolicy))
        try await acceptPolicy(client)

        // The user refuses at the provider.
        let refused = try await auth.startOauthLogin(provider: "dev")
        let denial = try await server.browserDenyAuthorization(refused.authorizationUrl)
        XCTAssertEqual(queryValues(denial, "error"), ["access_denied"], "callback \(denial)")
        let denied = await captureError(AuthError.self) { try await auth.completeOauthLogin(callbackUrl: denial) }
        guard case .ProviderDenied(let reason) = denied else {
            return XCTFail("expected ProviderDenied, got \(String(describing: denied))")
        }
        XCTAssertTrue(reason.hasPrefix("access_denied"), "reason \(reason)")
        let nothingToFinish = await captureError(AuthError.self) { try await auth.finishOauthLogin(bindProfile: true) }
        XCTAssertTrue(isInvalidCallback(nothingToFinish), "\(String(describing: nothingToFinish))")
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        // An answer whose state is not this request's: refused, and the authorization is spent.
        let started = try await auth.startOauthLogin(provider: "dev")
        let callback = try await server.browserAuthorize(started.authorizationUrl, subject: "doctor-li")
        let state = try XCTUnwrap(queryValue(callback, "state"))
        XCTAssertEqual(queryValue(started.authorizationUrl, "state"), state)
        let forged = callback.replacingOccurrences(of: "state=\(state)", with: "state=forged-\(String(state.reversed()))")
        XCTAssertNotEqual(forged, callback)
        XCTAssertNotEqual(queryValue(forged, "state"), state)
        let forgedError = await captureError(AuthError.self) { try await auth.completeOauthLogin(callbackUrl: forged) }
        XCTAssertTrue(isInvalidCallback(forgedError), "\(String(describing: forgedError))")
        let spent = await captureError(AuthError.self) { try await auth.completeOauthLogin(callbackUrl: callback) }
        XCTAssertTrue(isInvalidCallback(spent), "\(String(describing: spent))")
        let unanswered = await captureError(AuthError.self) { try await auth.finishOauthLogin(bindProfile: true) }
        XCTAssertTrue(isInvalidCallback(unanswered), "\(String(describing: unanswered))")

        let unknown = await captureError(AuthError.self) { try await auth.startOauthLogin(provider: "nowhere") }
        XCTAssertEqual(unknown, .UnknownProvider(name: "nowhere"))

        XCTAssertEqual(auth.sessionState(), .loggedOut)
        XCTAssertFalse(try granted(.thirdPartySharing, in: client), "a failed login granted sharing")
        let logins = try await oauthLogins()
        XCTAssertEqual(logins, 0)

        // The refusals were the answers': a genuine one still logs in.
        let fresh = try await auth.startOauthLogin(provider: "dev")
        let genuine = try await server.browserAuthorize(fresh.authorizationUrl, subject: "doctor-li")
        _ = try await auth.completeOauthLogin(callbackUrl: genuine)
        let user = try await auth.finishOauthLogin(bindProfile: false)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))
    }

    private func isInvalidCallback(_ error: AuthError?) -> Bool {
        if case .InvalidCallback = error { return true }
        return false
    }
}
