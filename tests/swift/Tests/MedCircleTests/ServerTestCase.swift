// The fixture every test class shares: before each test, a check that the suite runs in a
// session keyring of its own and a fresh reference server (temporary database); after it, the
// server stopped and the test's client data directories removed. Helpers to make those
// directories, open a dev client on the test's server and log in by SMS.

import Foundation
import XCTest
import MedCircle

/// Base class of the test classes: one reference server per test (`server`) and client data
/// directories (`newDataDir()`) removed after the test. It has no tests of its own.
class ServerTestCase: XCTestCase {
    private(set) var server: ReferenceServer!
    private var directories: [URL] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireOwnSessionKeyring()
        server = try ReferenceServer()
    }

    override func tearDownWithError() throws {
        server?.stop()
        server = nil
        for directory in directories {
            try? FileManager.default.removeItem(at: directory)
        }
        directories = []
        try super.tearDownWithError()
    }

    /// A fresh client data directory, removed after the test.
    func newDataDir() throws -> URL {
        let url = try makeTemporaryDirectory("client")
        directories.append(url)
        return url
    }

    /// A dev client of the test's server on `dataDir`, offering `oauthProviders` for
    /// third-party login (see `devOidcProvider`).
    func openClient(dataDir: URL, oauthProviders: [OAuthProviderConfig] = []) async throws -> MedCircle {
        try await MedCircle.open(config: devConfig(server: server, dataDir: dataDir, oauthProviders: oauthProviders))
    }

    /// Logs `phone` in by SMS, the code read from the dev outbox.
    @discardableResult
    func loginWithSms(_ auth: Auth, phone: String) async throws -> UserProfile {
        _ = try await auth.requestSmsCode(phone: phone)
        let code = try await server.devOutboxCode(phone)
        return try await auth.verifySmsCode(phone: phone, code: code)
    }

    /// A client on `dataDir` (a fresh one by default) whose user accepted the policy and
    /// logged in with `phone`.
    func loggedIn(phone: String, dataDir: URL? = nil) async throws -> (MedCircle, UserProfile) {
        let client = try await openClient(dataDir: try dataDir ?? newDataDir())
        try await acceptPolicy(client)
        let user = try await loginWithSms(client.auth(), phone: phone)
        return (client, user)
    }

    /// The `/v1/auth` requests the server received, in arrival order.
    func authRequests() async throws -> [ReferenceServer.RecordedRequest] {
        try await server.devRequests().filter { $0.path.hasPrefix("/v1/auth") }
    }

    /// The current Unix time in whole seconds.
    func unixNow() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
