// Login with WeChat from Swift: a WeChat-style SDK written in Swift, as an iOS shell wraps
// WeChat's `SendAuthReq`, with the reference server's dev provider (`/dev/wechat/authorize`)
// standing in for the WeChat app.

import Foundation
import MedCircle
import XCTest

/// What the user does in the (stand-in) WeChat app.
enum InWechat: Sendable {
    case agree(user: String)
    case cancel
    case deny
    case sdkFails
}

final class ScriptedWechat: ProviderSdk, @unchecked Sendable {
    private let server: ReferenceServer
    private let lock = NSLock()
    private var next: InWechat
    private(set) var asked: [(scope: String, state: String)] = []

    init(server: ReferenceServer, _ first: InWechat) {
        self.server = server
        next = first
    }

    func then(_ what: InWechat) {
        lock.withLock { next = what }
    }

    func authorize(scope: String, state: String) async throws -> SdkAuthorization {
        let what = lock.withLock {
            asked.append((scope, state))
            return next
        }
        var query = [
            URLQueryItem(name: "appid", value: "wxd0medcircle0app"), URLQueryItem(name: "scope", value: scope),
            URLQueryItem(name: "state", value: state),
        ]
        switch what {
        case .agree(let user): query.append(URLQueryItem(name: "user", value: user))
        case .cancel: query.append(URLQueryItem(name: "decision", value: "cancel"))
        case .deny: query.append(URLQueryItem(name: "decision", value: "deny"))
        case .sdkFails: throw ProviderError.Failed(detail: "微信未安装")
        }
        var components = URLComponents()
        components.queryItems = query
        let answer = try await server.getJSON("/dev/wechat/authorize?" + (components.percentEncodedQuery ?? ""))
        let echoed = answer["state"] as? String ?? ""
        switch answer["errCode"] as? Int {
        case 0: return .code(code: answer["code"] as? String ?? "", state: echoed)
        case -2: return .cancelled
        case -4: return .denied(reason: "ERR_AUTH_DENIED")
        default: throw SupportError("the dev provider refused: \(answer)")
        }
    }
}

final class WechatLoginTests: ServerTestCase {
    func testCancelThenDeclineBindingThenTheSameAccountBinding() async throws {
        let client = try await consentedClient()
        let auth = client.auth()
        let wechat = ScriptedWechat(server: server, .cancel)
        auth.addSdkProvider(name: "wechat", scope: "snsapi_userinfo", sdk: wechat)
        XCTAssertTrue(auth.oauthProviders().contains("wechat"))
        let login = auth.loginFlow()

        let cancelled = await login.send(event: .chooseProvider(provider: "wechat"))
        XCTAssertEqual(cancelled.step, .start)
        XCTAssertNil(cancelled.error, "cancelling in WeChat is no failure")

        wechat.then(.deny)
        let denied = await login.send(event: .chooseProvider(provider: "wechat"))
        XCTAssertEqual(denied.error, .ProviderDenied(reason: "ERR_AUTH_DENIED"))

        wechat.then(.sdkFails)
        do {
            _ = try await auth.authorizeWithSdk(provider: "wechat")
            XCTFail("an SDK that throws is an error")
        } catch AuthError.ProviderAppFailed(let detail) {
            XCTAssertTrue(detail.contains("微信未安装"), detail)
        }

        wechat.then(.agree(user: "doctor-wang"))
        let asked = await login.send(event: .chooseProvider(provider: "wechat"))
        guard case .confirmBinding(let account) = asked.step else { return XCTFail("no binding question: \(asked)") }
        XCTAssertEqual(account.provider, "wechat")
        let declined = await login.send(event: .decideBinding(bindProfile: false))
        guard case .loggedIn(let unbound) = declined.step else { return XCTFail("not logged in: \(declined)") }
        XCTAssertNotEqual(unbound.nickname, "微信医生")
        XCTAssertNil(unbound.avatarUrl)
        let calls = try await server.getJSON("/dev/wechat/calls")
        XCTAssertEqual(calls["userinfo"] as? Int, 0, "no profile asked without binding")
        XCTAssertEqual(Set(wechat.asked.map(\.state)).count, 4, "a fresh state each time")
        XCTAssertTrue(wechat.asked.allSatisfy { $0.scope == "snsapi_userinfo" })

        _ = try await auth.logout()
        let again = auth.loginFlow()
        _ = await again.send(event: .chooseProvider(provider: "wechat"))
        let bound = await again.send(event: .decideBinding(bindProfile: true))
        guard case .loggedIn(let user) = bound.step else { return XCTFail("not logged in: \(bound)") }
        XCTAssertEqual(user.id, unbound.id, "the same WeChat account")
        XCTAssertEqual(user.nickname, "微信医生")
        await client.finishBackgroundWork(limitMs: 5000)
    }
}
