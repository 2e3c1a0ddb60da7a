// Carrier one-tap login through the generated Swift bindings, against the real reference
// server, whose dev carrier (`/dev/carrier/token`) signs the token a carrier's SDK would yield.
// The device information comes from ScriptedDeviceInfoProvider. Every test gets its own server
// (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class CarrierOneTapTests: ServerTestCase {
    private static let oneTap = ReferenceServer.RecordedRequest(method: "POST", path: "/v1/auth/one-tap")
    private static let riskReport = ReferenceServer.RecordedRequest(method: "POST", path: "/v1/risk/device")

    /// How the server masks `phone`: the first three and the last four digits.
    private func masked(_ phone: String) -> String {
        String(phone.prefix(3)) + "****" + String(phone.suffix(4))
    }

    // 1. A token logs in once; SMS login with the same phone reaches the same account.
    func testOneTapLoginUsesTheTokenOnceAndSmsReachesTheSameAccount() async throws {
        let phone = "13800138000"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()

        let listener = RecordingSessionListener()
        let handle = auth.observeSession(listener: listener)
        await eventually("the first session state") { !listener.states.isEmpty }
        XCTAssertEqual(listener.states, [.loggedOut])

        let minted = try await server.devCarrierToken(phone: phone, carrier: "China Mobile")
        XCTAssertEqual(minted.expiresInS, 120)

        let profile = try await auth.loginWithCarrierToken(token: minted.token)
        XCTAssertEqual(profile.phoneMasked, "138****8000")
        XCTAssertEqual(profile.phoneMasked, masked(phone))
        XCTAssertFalse(profile.id.isEmpty)
        XCTAssertEqual(Double(profile.createdAt), Date().timeIntervalSince1970, accuracy: 300)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: profile))
        await eventually("the listener to see .loggedIn") { listener.states.last == .loggedIn(user: profile) }
        let me = try await auth.whoami()
        XCTAssertEqual(me, profile)

        // The carrier's token is good for one login only; refusing it leaves the session alone.
        let reused = await captureError(AuthError.self) { try await auth.loginWithCarrierToken(token: minted.token) }
        XCTAssertEqual(reused, .CarrierTokenUsed)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: profile))

        let outcome = try await auth.logout()
        XCTAssertTrue(outcome.revokedOnServer)
        XCTAssertEqual(auth.sessionState(), .loggedOut)
        await eventually("the listener to see .loggedOut again") {
            listener.states.count >= 3 && listener.states.last == .loggedOut
        }
        // Logged out it is still used: the refusal is the token's, not the session's.
        let reusedLoggedOut = await captureError(AuthError.self) {
            try await auth.loginWithCarrierToken(token: minted.token)
        }
        XCTAssertEqual(reusedLoggedOut, .CarrierTokenUsed)
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        // The phone's own number by SMS: the same account.
        _ = try await auth.requestSmsCode(phone: phone)
        let code = try await server.devOutboxCode(phone)
        let bySms = try await auth.verifySmsCode(phone: phone, code: code)
        XCTAssertEqual(bySms.id, profile.id)
        XCTAssertEqual(bySms, profile)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: bySms))
        await eventually("the listener to see .loggedIn again") {
            listener.states.count >= 4 && listener.states.last == .loggedIn(user: bySms)
        }
        XCTAssertEqual(listener.states, [.loggedOut, .loggedIn(user: profile), .loggedOut, .loggedIn(user: bySms)])

        handle.cancel()
        await eventually("the observer task to finish after cancel") { handle.isFinished() }

        let requests = try await authRequests()
        XCTAssertEqual(
            requests,
            [
                Self.oneTap,
                Self.oneTap,
                .init(method: "POST", path: "/v1/auth/logout"),
                Self.oneTap,
                .init(method: "POST", path: "/v1/auth/sms/send"),
                .init(method: "POST", path: "/v1/auth/sms/verify"),
            ])
    }

    // 2. A pre-consent, a tampered or an expired token logs nobody in.
    func testTamperedExpiredAndPreConsentTokensAreRefused() async throws {
        let phone = "13900139005"
        let device = ScriptedDeviceInfoProvider(
            DeviceInfo(
                model: "Mate 60", os: .android, osVersion: "14", appVersion: "2.3.1", networkType: .wifi,
                carrier: nil))
        let client = try await openClient(dataDir: try newDataDir())
        let auth = client.auth()
        auth.setDeviceInfoProvider(provider: device)

        // Before the policy is accepted: refused locally, nothing sent, the device not read.
        let early = try await server.devCarrierToken(phone: phone, carrier: "China Unicom")
        let refused = await captureError(AuthError.self) { try await auth.loginWithCarrierToken(token: early.token) }
        XCTAssertEqual(refused, .ConsentRequired(purpose: .privacyPolicy))
        let authBeforeConsent = try await authRequests()
        XCTAssertEqual(authBeforeConsent, [], "a login went out before consent")
        let sentBeforeConsent = try await server.devRequests()
        XCTAssertEqual(sentBeforeConsent, [], "the client contacted the server before consent")
        XCTAssertEqual(device.calls, 0, "the device was read before the policy was accepted")
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        try await acceptPolicy(client)

        // A genuine token whose signature was tampered with.
        let minted = try await server.devCarrierToken(phone: phone, carrier: "China Unicom")
        let parts = minted.token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 2, "token \(minted.token)")
        let payload = try XCTUnwrap(parts.first)
        let signature = try XCTUnwrap(parts.last)
        XCTAssertFalse(payload.isEmpty || signature.isEmpty, "token \(minted.token)")
        let tampered = "\(payload).\(String(signature.reversed()))"
        XCTAssertNotEqual(tampered, minted.token)
        let invalid = await captureError(AuthError.self) { try await auth.loginWithCarrierToken(token: tampered) }
        XCTAssertEqual(invalid, .CarrierTokenInvalid)
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        // The genuine token, unused, once the carrier's 120 s are over.
        try await server.devAdvanceClock(seconds: 121)
        let expired = await captureError(AuthError.self) { try await auth.loginWithCarrierToken(token: minted.token) }
        XCTAssertEqual(expired, .CarrierTokenExpired)
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        let refusedLogins = try await authRequests()
        XCTAssertEqual(refusedLogins, [Self.oneTap, Self.oneTap])
        XCTAssertEqual(device.calls, 0, "the device was read without a login")
        let reports = try await server.devRiskDevices()
        XCTAssertEqual(reports, [])

        // The refusals were the tokens': a fresh one logs in.
        let fresh = try await server.devCarrierToken(phone: phone, carrier: "China Unicom")
        let profile = try await auth.loginWithCarrierToken(token: fresh.token)
        XCTAssertEqual(profile.phoneMasked, "139****9005")
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: profile))
        XCTAssertEqual(device.calls, 1)
    }

    // 3. Every login reports the device, once, to the risk endpoint, under the user.
    func testOneTapLoginReportsTheScriptedDeviceOnce() async throws {
        let phone = "13700137006"
        // A dual-SIM phone: the carrier that vouched for the number need not be the data SIM's.
        let device = ScriptedDeviceInfoProvider(
            DeviceInfo(
                model: "iPhone 15 Pro", os: .ios, osVersion: "17.5.1", appVersion: "2.3.1", networkType: .cellular,
                carrier: "China Unicom"))
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        auth.setDeviceInfoProvider(provider: device)
        XCTAssertEqual(device.calls, 0, "registering the provider must not read the device")
        let token = try await server.devCarrierToken(phone: phone, carrier: "China Mobile").token

        let start = unixNow()
        let profile = try await auth.loginWithCarrierToken(token: token)
        let end = unixNow()
        XCTAssertEqual(profile.phoneMasked, "137****7006")

        let reports = try await server.devRiskDevices()
        XCTAssertEqual(reports.count, 1, "reports: \(reports)")
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(
            report,
            ReferenceServer.RiskDevice(
                userId: profile.id, model: "iPhone 15 Pro", os: "ios", osVersion: "17.5.1", appVersion: "2.3.1",
                networkType: "cellular", carrier: "China Unicom", installId: report.installId,
                receivedAt: report.receivedAt))
        XCTAssertTrue(
            (1...64).contains(report.installId.count)
                && report.installId.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") },
            "install_id \(report.installId)")
        XCTAssertTrue((start...end).contains(report.receivedAt), "received_at \(report.receivedAt) outside \(start)...\(end)")
        XCTAssertEqual(device.calls, 1, "device reads")

        // The report went to the risk endpoint, once, after the login it belongs to.
        let requests = try await server.devRequests()
        XCTAssertEqual(requests.filter { $0 == Self.riskReport }.count, 1, "requests: \(requests)")
        XCTAssertEqual(requests.filter { $0 == Self.oneTap }.count, 1, "requests: \(requests)")
        let loginAt = try XCTUnwrap(requests.firstIndex(of: Self.oneTap))
        let reportAt = try XCTUnwrap(requests.firstIndex(of: Self.riskReport))
        XCTAssertLessThan(loginAt, reportAt, "requests: \(requests)")
    }
}
