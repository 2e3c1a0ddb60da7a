// The generated Swift bindings against the real reference server, over HTTP on 127.0.0.1.
// Every test gets its own server (temporary database) and its own client data directory;
// phone numbers still differ per test so a shared server would not hit the 60 s cooldown.

import Foundation
import XCTest
import MedCircle

final class MedCircleTests: ServerTestCase {
    // 1. Nothing but the policy leaves the device before consent.
    func testConsentIsRequiredBeforeAnyAuthRequest() async throws {
        let phone = "13800138001"
        let client = try await openClient(dataDir: try newDataDir())

        let before = try client.consent().status()
        XCTAssertNil(before.acceptedVersion)
        XCTAssertNil(before.acceptedAt)
        XCTAssertTrue(before.needsAcceptance)

        let refused = await captureError(AuthError.self) {
            try await client.auth().requestSmsCode(phone: phone)
        }
        XCTAssertEqual(refused, .ConsentRequired(purpose: .privacyPolicy))
        let sentBeforeConsent = try await server.devRequests()
        XCTAssertEqual(
            sentBeforeConsent.filter { !($0.method == "GET" && $0.path == "/v1/policy") }, [],
            "the client contacted the server before consent")
        let authBeforeConsent = try await authRequests()
        XCTAssertEqual(authBeforeConsent, [])

        let policy = try await client.consent().fetchPolicy()
        XCTAssertFalse(policy.version.isEmpty)
        XCTAssertFalse(policy.title.isEmpty)
        XCTAssertFalse(policy.sections.isEmpty)
        for section in policy.sections {
            XCTAssertFalse(section.id.isEmpty)
            XCTAssertFalse(section.title.isEmpty)
            XCTAssertFalse(section.text.isEmpty, "section \(section.id) has no text")
        }
        XCTAssertEqual(policy.hash.count, 64, "hash \(policy.hash)")
        XCTAssertTrue(
            policy.hash.allSatisfy { "0123456789abcdef".contains($0) }, "hash \(policy.hash) is not lowercase hex")
        XCTAssertEqual(Set(policy.sections.map(\.id)).count, policy.sections.count, "duplicate section ids")

        let shown = try client.consent().status()
        XCTAssertEqual(shown.currentVersion, policy.version)
        XCTAssertNil(shown.acceptedVersion)
        XCTAssertTrue(shown.needsAcceptance)
        // Still nothing but the policy on the wire.
        let authBeforeAccept = try await authRequests()
        XCTAssertEqual(authBeforeAccept, [])

        let accepted = try await client.consent().accept(version: policy.version)
        XCTAssertEqual(accepted.acceptedVersion, policy.version)
        XCTAssertEqual(accepted.currentVersion, policy.version)
        XCTAssertFalse(accepted.needsAcceptance)
        let acceptedAt = try XCTUnwrap(accepted.acceptedAt)
        XCTAssertEqual(Double(acceptedAt), Date().timeIntervalSince1970, accuracy: 300)
        XCTAssertEqual(try client.consent().status(), accepted)

        let sent = try await client.auth().requestSmsCode(phone: phone)
        XCTAssertEqual(sent.cooldownS, 60)
        XCTAssertEqual(sent.expiresInS, 300)
        let authAfterAccept = try await authRequests()
        XCTAssertEqual(authAfterAccept, [.init(method: "POST", path: "/v1/auth/sms/send")])
        let code = try await server.devOutboxCode(phone)
        XCTAssertEqual(code.count, 6)
        XCTAssertTrue(code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber), "code \(code)")
    }

    // 2. The whole journey: observe, wrong code, right code, whoami, logout.
    func testLoginJourneyWithSessionObserver() async throws {
        let phone = "13800138000"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()

        let listener = RecordingSessionListener()
        let handle = auth.observeSession(listener: listener)
        await eventually("the first session state") { !listener.states.isEmpty }
        XCTAssertEqual(listener.states.first, .loggedOut)
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        let sent = try await auth.requestSmsCode(phone: phone)
        XCTAssertEqual(sent.cooldownS, 60)
        XCTAssertEqual(sent.expiresInS, 300)
        let code = try await server.devOutboxCode(phone)

        let wrong = await captureError(AuthError.self) {
            try await auth.verifySmsCode(phone: phone, code: wrongCode(for: code))
        }
        XCTAssertEqual(wrong, .WrongCode(attemptsLeft: 4))
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        let profile = try await auth.verifySmsCode(phone: phone, code: code)
        XCTAssertEqual(profile.phoneMasked, "138****8000")
        XCTAssertFalse(profile.id.isEmpty)
        XCTAssertEqual(Double(profile.createdAt), Date().timeIntervalSince1970, accuracy: 300)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: profile))
        await eventually("the listener to see .loggedIn") { listener.states.last == .loggedIn(user: profile) }

        let me = try await auth.whoami()
        XCTAssertEqual(me.id, profile.id)
        XCTAssertEqual(me.phoneMasked, "138****8000")

        let outcome = try await auth.logout()
        XCTAssertTrue(outcome.revokedOnServer)
        XCTAssertEqual(auth.sessionState(), .loggedOut)
        await eventually("the listener to see .loggedOut again") {
            listener.states.count >= 3 && listener.states.last == .loggedOut
        }

        let afterLogout = await captureError(AuthError.self) { try await auth.whoami() }
        XCTAssertEqual(afterLogout, .NotLoggedIn)

        // Each state change reported once, in order.
        XCTAssertEqual(listener.states, [.loggedOut, .loggedIn(user: profile), .loggedOut])

        handle.cancel()
        await eventually("the observer task to finish after cancel") { handle.isFinished() }

        let requests = try await server.devRequests().filter { $0.path != "/v1/policy" }
        XCTAssertEqual(
            requests,
            [
                .init(method: "POST", path: "/v1/auth/sms/send"),
                .init(method: "POST", path: "/v1/auth/sms/verify"),
                .init(method: "POST", path: "/v1/auth/sms/verify"),
                // Logging in restores consent decisions made on other devices.
                .init(method: "GET", path: "/v1/me/consents"),
                .init(method: "GET", path: "/v1/me"),
                .init(method: "POST", path: "/v1/auth/logout"),
            ])
    }

    // 3. Malformed input is refused locally and never reaches the server.
    func testLocalValidationNeverReachesTheServer() async throws {
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()

        for phone in ["12345", "", "1380013800a", "23800138002", "138001380021"] {
            let error = await captureError(AuthError.self) { try await auth.requestSmsCode(phone: phone) }
            guard case .InvalidPhone(let reason)? = error else {
                XCTFail("phone \(phone.debugDescription): expected .InvalidPhone, got \(String(describing: error))")
                continue
            }
            XCTAssertFalse(reason.isEmpty, "phone \(phone.debugDescription): empty reason")
        }
        for code in ["12345", "1234567", "12a456", "", "123 456", "１２３４５６"] {
            let error = await captureError(AuthError.self) {
                try await auth.verifySmsCode(phone: "13800138002", code: code)
            }
            XCTAssertEqual(error, .InvalidCode, "code \(code.debugDescription)")
        }
        XCTAssertEqual(auth.sessionState(), .loggedOut)
        let sent = try await authRequests()
        XCTAssertEqual(sent, [])
    }

    // 4. A new client on the same data directory restores the session.
    func testRestartRestoresTheSession() async throws {
        let phone = "13800138003"
        let dataDir = try newDataDir()
        var profile: UserProfile
        var policyVersion: String
        do {
            let client = try await openClient(dataDir: dataDir)
            policyVersion = try await acceptPolicy(client).version
            _ = try await client.auth().requestSmsCode(phone: phone)
            let code = try await server.devOutboxCode(phone)
            profile = try await client.auth().verifySmsCode(phone: phone, code: code)
            XCTAssertEqual(client.auth().sessionState(), .loggedIn(user: profile))
        }
        // The first client is gone; open again on the same directory.
        let reopened = try await openClient(dataDir: dataDir)
        guard case .loggedIn(let user) = reopened.auth().sessionState() else {
            return XCTFail("session not restored: \(reopened.auth().sessionState())")
        }
        XCTAssertEqual(user.id, profile.id)
        XCTAssertEqual(user.phoneMasked, "138****8003")
        XCTAssertEqual(try reopened.consent().status().acceptedVersion, policyVersion)

        // The restored tokens are usable.
        let me = try await reopened.auth().whoami()
        XCTAssertEqual(me.id, profile.id)

        // Another data directory is another installation: not logged in.
        let other = try await openClient(dataDir: try newDataDir())
        XCTAssertEqual(other.auth().sessionState(), .loggedOut)
    }

    // 5. Plain http only to loopback, and only in a dev build.
    func testInsecureServerUrlIsRefused() async throws {
        let cases: [(url: String, dev: Bool)] = [
            ("http://example.com", false),
            ("http://example.com", true),
            (server.baseURL, false),
        ]
        for (url, dev) in cases {
            let config = ClientConfig(serverUrl: url, dataDir: try newDataDir().path, dev: dev, spkiPins: [])
            let error = await captureError(ClientError.self) { try await MedCircle.open(config: config) }
            guard case .InsecureServerUrl(let reported)? = error else {
                XCTFail("\(url) dev=\(dev): expected .InsecureServerUrl, got \(String(describing: error))")
                continue
            }
            XCTAssertTrue(
                reported.hasPrefix(url), "\(url) dev=\(dev): error names \(reported.debugDescription)")
        }
        let requests = try await server.devRequests()
        XCTAssertEqual(requests, [])
    }

    // 6. Log lines arrive and carry no phone number, code or token.
    func testLoggerReceivesRedactedLines() async throws {
        let phone = "13800138004"
        let sink = CollectingLogSink()
        setLogger(sink: sink, maxLevel: .debug)

        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        _ = try await auth.requestSmsCode(phone: phone)
        let code = try await server.devOutboxCode(phone)
        let wrong = wrongCode(for: code)
        _ = await captureError(AuthError.self) { try await auth.verifySmsCode(phone: phone, code: wrong) }
        let profile = try await auth.verifySmsCode(phone: phone, code: code)
        let me = try await auth.whoami()
        XCTAssertEqual(me.id, profile.id)
        let outcome = try await auth.logout()
        XCTAssertTrue(outcome.revokedOnServer)

        let lines = sink.lines
        XCTAssertFalse(lines.isEmpty, "no log lines at .debug")
        XCTAssertTrue(
            lines.contains { $0.target.hasPrefix("medcircle_core") }, "no line from the core itself: \(lines.map(\.target))")
        XCTAssertTrue(lines.allSatisfy { $0.level != .trace }, "a .trace line passed a .debug logger")
        for line in lines {
            let text = line.target + " " + line.message
            // Digits count as leaked only as a whole number, not inside a longer one (a timestamp).
            for number in [phone, code, wrong] {
                XCTAssertFalse(containsNumber(text, number), "log line leaks \(number): \(text)")
            }
            for prefix in ["mca_", "mcr_"] {
                XCTAssertFalse(text.contains(prefix), "log line leaks a token (\(prefix)): \(text)")
            }
        }
    }
}
