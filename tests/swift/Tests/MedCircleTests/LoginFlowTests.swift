// The login screen as a state machine (`auth.loginFlow()`) through the generated Swift
// bindings, against the real reference server: the test sends what the user did and checks the
// screen that comes back, and what an observer of the flow is shown. Failures never throw: they
// are the returned screen's `error`, and the step stays where it was. Every test gets its own
// server (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class LoginFlowTests: ServerTestCase {
    private static let start = LoginScreen(step: .start, busy: false, error: nil)

    /// The name of a step, without what it carries.
    private static func name(of step: LoginStep) -> String {
        switch step {
        case .start: "start"
        case .enterSmsCode: "enterSmsCode"
        case .providerAuthorization: "providerAuthorization"
        case .confirmBinding: "confirmBinding"
        case .loggedIn: "loggedIn"
        }
    }

    /// The steps `screens` went through, by name, repeats collapsed.
    private static func steps(of screens: [LoginScreen]) -> [String] {
        screens.map { name(of: $0.step) }.reduce(into: []) { steps, step in
            if steps.last != step { steps.append(step) }
        }
    }

    /// Asserts `screen` is settled (not busy, no error).
    private func assertSettled(_ screen: LoginScreen, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(screen.busy, "busy: \(screen)", file: file, line: line)
        XCTAssertNil(screen.error, "error: \(screen)", file: file, line: line)
    }

    private func isUnexpectedEvent(_ error: AuthError?) -> Bool {
        if case .UnexpectedLoginEvent = error { return true }
        return false
    }

    // 1. A third-party login driven by events, every screen observed.
    func testAThirdPartyLoginDrivenByEventsEveryScreenObserved() async throws {
        let client = try await openClient(dataDir: try newDataDir(), oauthProviders: [devOidcProvider(server: server)])
        try await acceptPolicy(client)
        let auth = client.auth()
        let flow = auth.loginFlow()
        XCTAssertEqual(flow.screen(), Self.start)

        let listener = RecordingLoginListener()
        let observer = flow.observe(listener: listener)
        // The first call carries the screen as it is now.
        await eventually("the current screen") { !listener.screens.all.isEmpty }
        XCTAssertEqual(listener.screens.all, [Self.start])

        // Nothing to go back from at the start: refused, on the screen.
        let nowhere = await flow.send(event: .back)
        XCTAssertTrue(isUnexpectedEvent(nowhere.error), "\(nowhere)")
        XCTAssertEqual(nowhere.step, .start)
        XCTAssertFalse(nowhere.busy)

        let authorizing = await flow.send(event: .chooseProvider(provider: "dev"))
        assertSettled(authorizing)
        guard case .providerAuthorization(let provider, let authorizationUrl) = authorizing.step else {
            return XCTFail("expected providerAuthorization, got \(authorizing)")
        }
        XCTAssertEqual(provider, "dev")
        XCTAssertTrue(authorizationUrl.hasPrefix(server.baseURL + "/dev/oidc/authorize?"), "url \(authorizationUrl)")
        XCTAssertEqual(queryValue(authorizationUrl, "code_challenge_method"), "S256")
        XCTAssertEqual(flow.screen(), authorizing)

        // An event this step does not take: the step stays, the error says why.
        let early = await flow.send(event: .decideBinding(bindProfile: true))
        XCTAssertTrue(isUnexpectedEvent(early.error), "\(early)")
        XCTAssertEqual(early.step, authorizing.step)
        XCTAssertEqual(auth.sessionState(), .loggedOut)

        let callback = try await server.browserAuthorize(authorizationUrl, subject: "doctor-li")
        let confirming = await flow.send(event: .providerCallback(url: callback))
        assertSettled(confirming)
        guard case .confirmBinding(let account) = confirming.step else {
            return XCTFail("expected confirmBinding, got \(confirming)")
        }
        XCTAssertEqual(account.provider, "dev")
        XCTAssertEqual(account.nickname, "Dr. Demo")
        let avatar = try XCTUnwrap(account.avatarUrl, "the provider has a picture")
        XCTAssertEqual(auth.sessionState(), .loggedOut, "logged in before the user decided")
        // The observer is shown the question before the user answers it.
        await eventually("the observer to see confirmBinding") { listener.screens.all.last == confirming }

        let done = await flow.send(event: .decideBinding(bindProfile: true))
        assertSettled(done)
        guard case .loggedIn(let user) = done.step else {
            return XCTFail("expected loggedIn, got \(done)")
        }
        XCTAssertEqual(user.nickname, "Dr. Demo")
        XCTAssertEqual(user.avatarUrl, avatar)
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))
        XCTAssertTrue(try granted(.thirdPartySharing, in: client), "binding must be a recorded consent")
        XCTAssertEqual(flow.screen(), done)

        await eventually("the observer to see loggedIn") { listener.screens.all.last == done }
        let screens = listener.screens.all
        XCTAssertEqual(screens.first, Self.start)
        XCTAssertTrue(screens.contains(confirming), "screens \(screens)")
        XCTAssertEqual(
            Self.steps(of: screens), ["start", "providerAuthorization", "confirmBinding", "loggedIn"],
            "screens \(screens)")
        // A busy screen (a request in flight) carries no error from before.
        XCTAssertTrue(screens.filter(\.busy).allSatisfy { $0.error == nil }, "screens \(screens)")

        // Once logged in, going back is refused and changes nothing.
        let stay = await flow.send(event: .back)
        XCTAssertTrue(isUnexpectedEvent(stay.error), "\(stay)")
        XCTAssertEqual(stay.step, .loggedIn(user: user))

        observer.cancel()
        await eventually("the observer task to finish after cancel") { observer.isFinished() }

        // A new login screen starts where the session stands.
        XCTAssertEqual(auth.loginFlow().screen(), LoginScreen(step: .loggedIn(user: user), busy: false, error: nil))
    }

    // 2. An SMS login driven by events keeps its step on a wrong code and a refused resend.
    func testAnSmsLoginDrivenByEventsKeepsItsStepOnAWrongCodeAndARefusedResend() async throws {
        let phone = "13800139221"
        let client = try await openClient(dataDir: try newDataDir())
        try await acceptPolicy(client)
        let auth = client.auth()
        let flow = auth.loginFlow()

        // A code before one was requested: refused locally, without repeating it.
        let premature = await flow.send(event: .submitSmsCode(code: "123456"))
        XCTAssertTrue(isUnexpectedEvent(premature.error), "\(premature)")
        XCTAssertEqual(premature.step, .start)
        XCTAssertFalse(String(describing: premature.error).contains("123456"), "the error repeats the code")
        let beforeRequest = try await authRequests()
        XCTAssertEqual(beforeRequest, [])

        // An invalid number: the error is on the screen, the step stays.
        let invalid = await flow.send(event: .requestSmsCode(phone: "12345"))
        guard case .InvalidPhone = invalid.error else {
            return XCTFail("expected InvalidPhone, got \(invalid)")
        }
        XCTAssertEqual(invalid.step, .start)

        let entering = await flow.send(event: .requestSmsCode(phone: phone))
        assertSettled(entering)
        let codeEntry = LoginStep.enterSmsCode(phoneMasked: "138****9221", cooldownS: 60, expiresInS: 300)
        XCTAssertEqual(entering.step, codeEntry)
        let code = try await server.devOutboxCode(phone)

        let wrong = await flow.send(event: .submitSmsCode(code: wrongCode(for: code)))
        guard case .WrongCode = wrong.error else {
            return XCTFail("expected WrongCode, got \(wrong)")
        }
        XCTAssertEqual(wrong.step, codeEntry)
        XCTAssertFalse(wrong.busy)

        // Within the cooldown the server refuses another code; the step stays.
        let tooSoon = await flow.send(event: .resendSmsCode)
        guard case .RateLimited(let retryAfterS) = tooSoon.error else {
            return XCTFail("expected RateLimited, got \(tooSoon)")
        }
        XCTAssertTrue((1...60).contains(retryAfterS), "retryAfterS \(retryAfterS)")
        XCTAssertEqual(tooSoon.step, codeEntry)
        let unchanged = try await server.devOutboxCode(phone)
        XCTAssertEqual(unchanged, code, "a refused resend texted a code")

        // After it, a new code is texted to the remembered number.
        try await server.devAdvanceClock(seconds: 61)
        let resent = await flow.send(event: .resendSmsCode)
        assertSettled(resent)
        XCTAssertEqual(resent.step, codeEntry)
        let newCode = try await server.devOutboxCode(phone)

        let done = await flow.send(event: .submitSmsCode(code: newCode))
        assertSettled(done)
        guard case .loggedIn(let user) = done.step else {
            return XCTFail("expected loggedIn, got \(done)")
        }
        XCTAssertEqual(user.phoneMasked, "138****9221")
        XCTAssertEqual(auth.sessionState(), .loggedIn(user: user))

        let sends = try await authRequests().filter { $0.path == "/v1/auth/sms/send" }.count
        XCTAssertEqual(sends, 3, "requested, refused resend, resend")
    }
}
