import Foundation
import XCTest
@testable import MedCircle

/// Plays WeChat's iOS SDK and the WeChat app behind it (neither exists on Linux): installed or
/// not, taking the request or not, answering each request from another task as `onResp` does.
final class ScriptedWechatSDK: WechatSDK, @unchecked Sendable {
    private let lock = NSLock()
    private let installed: Bool
    private let takes: Bool
    private var answer: (@Sendable (String) -> WechatAuthResponse)?
    private var sentRequests: [(scope: String, state: String)] = []
    weak var login: WechatLogin?

    init(installed: Bool = true, takes: Bool = true) {
        self.installed = installed
        self.takes = takes
    }

    /// How WeChat answers each request from now on (given its state); nil: not at all.
    func answering(_ answer: (@Sendable (String) -> WechatAuthResponse)?) {
        lock.withLock { self.answer = answer }
    }

    var sent: [(scope: String, state: String)] { lock.withLock { sentRequests } }

    func isInstalled() async -> Bool { installed }

    func send(scope: String, state: String) async -> Bool {
        guard takes else { return false }
        let answer = lock.withLock {
            sentRequests.append((scope, state))
            return self.answer
        }
        if let answer, let login {
            Task.detached { login.receive(answer(state)) }
        }
        return true
    }
}

final class WechatLoginTests: ServerTestCase {
    private func attached(_ sdk: ScriptedWechatSDK) -> WechatLogin {
        let login = WechatLogin(sdk: sdk)
        sdk.login = login
        return login
    }

    private func answered(_ response: WechatAuthResponse) async throws -> SdkAuthorization {
        let sdk = ScriptedWechatSDK()
        let login = attached(sdk)
        sdk.answering { _ in response }
        return try await login.authorize(scope: "snsapi_userinfo", state: "state-1")
    }

    private func failure(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            XCTFail("expected ProviderError.Failed")
        } catch ProviderError.Failed(let detail) {
            return detail
        } catch {
            XCTFail("expected ProviderError.Failed, got \(error)")
        }
        return nil
    }

    func testEachAnswerMapsToWhatTheCoreTakes() async throws {
        let ok = try await answered(WechatAuthResponse(errCode: 0, code: "code-1", state: "state-1"))
        XCTAssertEqual(ok, .code(code: "code-1", state: "state-1"))
        let cancelled = try await answered(WechatAuthResponse(errCode: -2, state: "state-1"))
        XCTAssertEqual(cancelled, .cancelled)
        let denied = try await answered(WechatAuthResponse(errCode: -4, state: "state-1", errStr: "refused"))
        XCTAssertEqual(denied, .denied(reason: "refused"))
        for errCode: Int32 in [-1, -3, -5, -6] {
            let detail = await failure { _ = try await answered(WechatAuthResponse(errCode: errCode, state: "state-1")) }
            XCTAssertTrue(detail?.contains("\(errCode)") == true, "\(String(describing: detail))")
        }
        let noCode = await failure { _ = try await answered(WechatAuthResponse(errCode: 0, state: "state-1")) }
        XCTAssertEqual(noCode, "WeChat answered without a code")
    }

    func testTheRequestCarriesTheScopeAndState() async throws {
        let sdk = ScriptedWechatSDK()
        let login = attached(sdk)
        sdk.answering { WechatAuthResponse(errCode: 0, code: "code-2", state: $0) }
        let answer = try await login.authorize(scope: "snsapi_userinfo", state: "state-2")
        XCTAssertEqual(answer, .code(code: "code-2", state: "state-2"))
        XCTAssertEqual(sdk.sent.map(\.scope), ["snsapi_userinfo"])
        XCTAssertEqual(sdk.sent.map(\.state), ["state-2"])
    }

    func testNotInstalledFailsBeforeSending() async throws {
        let sdk = ScriptedWechatSDK(installed: false)
        let detail = await failure { _ = try await self.attached(sdk).authorize(scope: "snsapi_userinfo", state: "s") }
        XCTAssertEqual(detail, WechatLogin.notInstalled)
        XCTAssertTrue(sdk.sent.isEmpty)
    }

    func testARequestWechatDoesNotTakeFails() async throws {
        let sdk = ScriptedWechatSDK(takes: false)
        let detail = await failure { _ = try await self.attached(sdk).authorize(scope: "snsapi_userinfo", state: "s") }
        XCTAssertEqual(detail, "WeChat did not take the request")
    }

    func testAnAnswerToAnotherRequestIsNotTakenForOurs() async throws {
        let sdk = ScriptedWechatSDK()
        let login = attached(sdk)
        let waiting = Task { try await login.authorize(scope: "snsapi_userinfo", state: "ours") }
        try await eventually { !sdk.sent.isEmpty }
        XCTAssertFalse(login.receive(WechatAuthResponse(errCode: 0, code: "theirs-code", state: "theirs")))
        XCTAssertFalse(login.receive(WechatAuthResponse(errCode: -2, state: nil)))
        XCTAssertTrue(login.receive(WechatAuthResponse(errCode: 0, code: "ours-code", state: "ours")))
        let answer = try await waiting.value
        XCTAssertEqual(answer, .code(code: "ours-code", state: "ours"))
        XCTAssertFalse(login.receive(WechatAuthResponse(errCode: 0, code: "again", state: "ours")), "answered once")
    }

    /// Through the real core: its fresh state goes to WeChat and back, and each answer becomes
    /// the core's error or account.
    func testTheCoreSendsItsStateAndTakesTheAnswer() async throws {
        let client = try await openClient()
        let auth = client.auth()
        let sdk = ScriptedWechatSDK()
        auth.addSdkProvider(name: "wechat", scope: "snsapi_userinfo", sdk: attached(sdk))
        sdk.answering { WechatAuthResponse(errCode: 0, code: "code-5", state: $0) }
        let account = try await auth.authorizeWithSdk(provider: "wechat")
        XCTAssertEqual(account.provider, "wechat")
        XCTAssertGreaterThanOrEqual(sdk.sent.first?.state.count ?? 0, 32)

        sdk.answering { WechatAuthResponse(errCode: -2, state: $0) }
        do {
            _ = try await auth.authorizeWithSdk(provider: "wechat")
            XCTFail("cancelled in WeChat")
        } catch AuthError.LoginCancelled {}
        sdk.answering { WechatAuthResponse(errCode: -4, state: $0, errStr: "refused") }
        do {
            _ = try await auth.authorizeWithSdk(provider: "wechat")
            XCTFail("denied in WeChat")
        } catch AuthError.ProviderDenied(let reason) {
            XCTAssertEqual(reason, "refused")
        }
        XCTAssertEqual(Set(sdk.sent.map(\.state)).count, 3)
    }
}
