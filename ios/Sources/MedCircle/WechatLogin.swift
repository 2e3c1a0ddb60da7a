import Foundation

/// What WeChat login needs from WeChat's iOS SDK (`WXApi`, not a package any registry serves:
/// the app links it and fills this in). `send` is `WXApi.send(SendAuthReq)` with the scope and
/// state; WeChat's answer comes back through the app's `WXApiDelegate.onResp`, which hands it
/// to `WechatLogin.receive(_:)`.
public protocol WechatSDK: AnyObject, Sendable {
    /// `WXApi.isWXAppInstalled()`.
    func isInstalled() async -> Bool
    /// `WXApi.send(_:completion:)` of a `SendAuthReq` with `scope` and `state`; whether WeChat
    /// took it.
    func send(scope: String, state: String) async -> Bool
}

/// WeChat's answer to a login, as `onResp` has it in its `SendAuthResp`.
public struct WechatAuthResponse: Sendable, Equatable {
    /// `errCode`: 0 (`WXSuccess`), -2 (`WXErrCodeUserCancel`), -4 (`WXErrCodeAuthDeny`), …
    public var errCode: Int32
    public var code: String?
    public var state: String?
    public var errStr: String?

    public init(errCode: Int32, code: String? = nil, state: String?, errStr: String? = nil) {
        self.errCode = errCode
        self.code = code
        self.state = state
        self.errStr = errStr
    }
}

/// WeChat login for the core (`ProviderSdk`): sends the core's scope and state through the
/// app's `WechatSDK` and waits for the answer with that state. Register it once:
/// `client.auth().addSdkProvider(name: "wechat", scope: "snsapi_userinfo", sdk: login)`, and
/// from `onResp`: `login.receive(WechatAuthResponse(errCode: resp.errCode, code: auth.code,
/// state: auth.state, errStr: resp.errStr))`.
public final class WechatLogin: ProviderSdk, @unchecked Sendable {
    static let notInstalled = "WeChat is not installed"

    private let sdk: WechatSDK
    private let lock = NSLock()
    // Keyed on the state each request carried: an answer is taken only by its own request.
    private var waiting: [String: CheckedContinuation<WechatAuthResponse, Error>] = [:]

    public init(sdk: WechatSDK) {
        self.sdk = sdk
    }

    public func authorize(scope: String, state: String) async throws -> SdkAuthorization {
        guard await sdk.isInstalled() else { throw ProviderError.Failed(detail: Self.notInstalled) }
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lock.withLock { waiting[state] = continuation }
                // Cancelled before it was stored: onCancel found nothing to resume.
                if Task.isCancelled {
                    take(state)?.resume(throwing: CancellationError())
                    return
                }
                Task {
                    if await !sdk.send(scope: scope, state: state) {
                        take(state)?.resume(throwing: ProviderError.Failed(detail: "WeChat did not take the request"))
                    }
                }
            }
        } onCancel: {
            take(state)?.resume(throwing: CancellationError())
        }
        return try Self.authorization(response)
    }

    /// WeChat's answer, from the app's `onResp`; false if no login waits for its state.
    @discardableResult
    public func receive(_ response: WechatAuthResponse) -> Bool {
        guard let state = response.state, let continuation = take(state) else { return false }
        continuation.resume(returning: response)
        return true
    }

    private func take(_ state: String) -> CheckedContinuation<WechatAuthResponse, Error>? {
        lock.withLock { waiting.removeValue(forKey: state) }
    }

    /// What WeChat answered, as the core takes it.
    static func authorization(_ response: WechatAuthResponse) throws -> SdkAuthorization {
        switch response.errCode {
        case 0:
            guard let code = response.code, !code.isEmpty else {
                throw ProviderError.Failed(detail: "WeChat answered without a code")
            }
            return .code(code: code, state: response.state ?? "")
        case -2: return .cancelled
        case -4: return .denied(reason: response.errStr ?? "WXErrCodeAuthDeny")
        default: throw ProviderError.Failed(detail: "WeChat answered \(response.errCode): \(response.errStr ?? "")")
        }
    }
}
