// Scan-to-login on the web through the generated Swift bindings, against the real reference
// server. The test plays the browser (`POST /web/login` with its own User-Agent, then polling
// `/web/login/{id}/status`, as the web page does) and the core plays the logged-in phone, which
// scans the QR code's text, sees who is asking (from the server, never from the code) and
// confirms or declines. Confirming needs a recent authentication (step-up by SMS code). Every
// test gets its own server (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class WebLoginTests: ServerTestCase {
    private static let browser = "Mozilla/5.0 (SuiteBrowser)"
    private static let pending = ReferenceServer.BrowserWebLoginStatus(status: "pending", session: nil)
    private static let scanned = ReferenceServer.BrowserWebLoginStatus(status: "scanned", session: nil)
    private static let declined = ReferenceServer.BrowserWebLoginStatus(status: "declined", session: nil)

    /// The phone's side of web logins, as the server received it.
    private func webLoginRequests() async throws -> [ReferenceServer.RecordedRequest] {
        try await server.devRequests().filter { $0.path.hasPrefix("/v1/web-logins") }
    }

    private func confirmed(as user: UserProfile) -> ReferenceServer.BrowserWebLoginStatus {
        .init(status: "confirmed", session: .init(userId: user.id, nickname: user.nickname))
    }

    // 1. The phone sees who asks, confirms, and the code is then used.
    func testThePhoneConfirmsABrowserAfterSeeingWhoAsks() async throws {
        let phone = "13800138090"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        let user = try await loginWithSms(auth, phone: phone)
        XCTAssertEqual(user.nickname, "Doctor 8090")

        let start = unixNow()
        let login = try await server.browserStartWebLogin(userAgent: Self.browser)
        let end = unixNow()
        XCTAssertEqual(login.expiresInS, 120)
        XCTAssertTrue(
            login.id.count == 35 && login.id.hasPrefix("wl_")
                && login.id.dropFirst(3).allSatisfy { "0123456789abcdef".contains($0) },
            "id \(login.id)")
        XCTAssertEqual(login.payload, "medcircle://web-login?id=\(login.id)&v=1")
        let before = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(before, Self.pending)

        let request = try await auth.scanWebLogin(payload: login.payload)
        XCTAssertEqual(request.id, login.id)
        XCTAssertEqual(request.browser, Self.browser)
        XCTAssertEqual(request.ip, "127.0.x.x")
        XCTAssertEqual(request.place, "Loopback")
        XCTAssertTrue((start...end).contains(request.requestedAt), "requestedAt \(request.requestedAt) outside \(start)...\(end)")
        XCTAssertEqual(request.expiresAt, request.requestedAt + 120)
        let seen = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(seen, Self.scanned)

        try await auth.confirmWebLogin(id: login.id)
        let after = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(after, confirmed(as: user))
        // Logging the browser in leaves the phone's own session alone.
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))

        // A code is good for one login only.
        let rescanned = await captureError(AuthError.self) { try await auth.scanWebLogin(payload: login.payload) }
        XCTAssertEqual(rescanned, .WebLoginUsed)
        let reconfirmed = await captureError(AuthError.self) { try await auth.confirmWebLogin(id: login.id) }
        XCTAssertEqual(reconfirmed, .WebLoginUsed)
        let still = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(still, confirmed(as: user))

        let requests = try await webLoginRequests()
        XCTAssertEqual(
            requests,
            [
                .init(method: "GET", path: "/v1/web-logins/\(login.id)"),
                .init(method: "POST", path: "/v1/web-logins/\(login.id)/confirm"),
                .init(method: "GET", path: "/v1/web-logins/\(login.id)"),
                .init(method: "POST", path: "/v1/web-logins/\(login.id)/confirm"),
            ])
    }

    // 2. A hostile code is refused on the phone and never reaches the server.
    func testHostileCodesAreRefusedBeforeAnyRequest() async throws {
        let phone = "13800138091"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        _ = try await loginWithSms(auth, phone: phone)

        let login = try await server.browserStartWebLogin(userAgent: Self.browser)
        let id = login.id
        let padding = "&pad=" + String(repeating: "a", count: 10_000 - login.payload.count - 5)
        let tooLong = login.payload + padding
        XCTAssertEqual(tooLong.count, 10_000)
        let upperHex = "wl_" + id.dropFirst(3).uppercased()
        let notOurs = "not a MedCircle login code"
        let malformed = "malformed login code"
        let overlong = "too long to be a MedCircle login code"
        let hostile: [(String, String)] = [
            // Another scheme, another host.
            ("https://medcircle.example/web-login?id=\(id)&v=1", notOurs),
            ("medcircle://evil.example?id=\(id)&v=1", notOurs),
            ("medcircle://web-login.evil.example?id=\(id)&v=1", notOurs),
            // An extra parameter, a repeated one.
            ("medcircle://web-login?id=\(id)&v=1&next=https://evil.example", malformed),
            ("medcircle://web-login?id=\(id)&v=1&id=\(id)", malformed),
            // Malformed ids.
            ("medcircle://web-login?id=wl_zz&v=1", malformed),
            ("medcircle://web-login?id=wl_../../etc&v=1", malformed),
            ("medcircle://web-login?id=\(upperHex)&v=1", malformed),
            // 10 000 characters, a genuine code at their start.
            (tooLong, overlong),
            (String(repeating: "x", count: 10_000), overlong),
        ]
        for (payload, reason) in hostile {
            let refused = await captureError(AuthError.self) { try await auth.scanWebLogin(payload: payload) }
            XCTAssertEqual(refused, .InvalidQrCode(reason: reason), "payload \(payload.prefix(80))")
        }

        let afterHostile = try await webLoginRequests()
        XCTAssertEqual(afterHostile, [], "a hostile code reached the server")
        let untouched = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(untouched, Self.pending)

        // The refusals were the codes': the genuine one is read from the server.
        let request = try await auth.scanWebLogin(payload: login.payload)
        XCTAssertEqual(request.id, id)
        XCTAssertEqual(request.browser, Self.browser)
        let seen = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(seen, Self.scanned)
        let afterGenuine = try await webLoginRequests()
        XCTAssertEqual(afterGenuine, [.init(method: "GET", path: "/v1/web-logins/\(id)")])
    }

    // 3. Declining leaves the browser logged out.
    func testDecliningLeavesTheBrowserLoggedOut() async throws {
        let phone = "13900139092"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        let token = try await server.devCarrierToken(phone: phone, carrier: "China Unicom").token
        let user = try await auth.loginWithCarrierToken(token: token)
        let login = try await server.browserStartWebLogin(userAgent: Self.browser)

        let request = try await auth.scanWebLogin(payload: login.payload)
        XCTAssertEqual(request.browser, Self.browser)
        XCTAssertEqual(request.place, "Loopback")
        let seen = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(seen, Self.scanned)

        try await auth.declineWebLogin(id: login.id)
        let after = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(after, Self.declined)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))

        // Declined is final: neither a second scan nor a confirm logs the browser in.
        let rescanned = await captureError(AuthError.self) { try await auth.scanWebLogin(payload: login.payload) }
        XCTAssertEqual(rescanned, .WebLoginUsed)
        let confirmed = await captureError(AuthError.self) { try await auth.confirmWebLogin(id: login.id) }
        XCTAssertEqual(confirmed, .WebLoginUsed)
        let still = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(still, Self.declined)

        let requests = try await webLoginRequests()
        XCTAssertEqual(
            requests.filter { $0 == .init(method: "POST", path: "/v1/web-logins/\(login.id)/decline") }.count, 1,
            "requests: \(requests)")
    }

    // 4. Confirming more than 300 s after the login needs a step-up by SMS code.
    func testConfirmingNeedsARecentAuthentication() async throws {
        let phone = "13700137093"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        // One-tap: no SMS before the step-up, so the outbox holds only its code.
        let token = try await server.devCarrierToken(phone: phone, carrier: "China Mobile").token
        let user = try await auth.loginWithCarrierToken(token: token)
        try await server.devAdvanceClock(seconds: 301)

        // The browser asks after the clock moved, so its own 120 s are not over.
        let login = try await server.browserStartWebLogin(userAgent: Self.browser)
        let request = try await auth.scanWebLogin(payload: login.payload)
        XCTAssertEqual(request.id, login.id)
        let seen = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(seen, Self.scanned)

        let stale = await captureError(AuthError.self) { try await auth.confirmWebLogin(id: login.id) }
        XCTAssertEqual(stale, .ReauthRequired)
        let waiting = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(waiting, Self.scanned)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))

        let sent = try await auth.requestReauthCode(phone: phone)
        XCTAssertEqual(sent.cooldownS, 60)
        XCTAssertEqual(sent.expiresInS, 300)
        let code = try await server.devOutboxCode(phone)
        XCTAssertTrue(code.count == 6 && code.allSatisfy(\.isNumber), "code \(code)")
        try await auth.reauthenticate(phone: phone, code: code)

        try await auth.confirmWebLogin(id: login.id)
        let after = try await server.browserWebLoginStatus(login)
        XCTAssertEqual(after, confirmed(as: user))
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))

        let all = try await server.devRequests()
        let details = ReferenceServer.RecordedRequest(method: "GET", path: "/v1/web-logins/\(login.id)")
        let confirm = ReferenceServer.RecordedRequest(method: "POST", path: "/v1/web-logins/\(login.id)/confirm")
        let fromScan = Array(all.drop { $0 != details }).filter { $0.path.hasPrefix("/v1/") }
        XCTAssertEqual(
            fromScan,
            [
                details,
                confirm,
                .init(method: "POST", path: "/v1/auth/reauth/sms/send"),
                .init(method: "POST", path: "/v1/auth/reauth/sms/verify"),
                confirm,
            ],
            "requests: \(all)")
    }
}
