import Foundation

/// What paying with Alipay needs from Alipay's iOS SDK (not a package any registry serves: the
/// app links it and fills this in): `AlipaySDK.defaultService().payOrder(_:fromScheme:callback:)`
/// with the server's `orderString` unchanged, returning the answer's `resultStatus` (from the
/// callback, or from `processOrder(withPaymentResult:)` when Alipay answers through the app's
/// URL).
public protocol AlipaySDK: AnyObject, Sendable {
    func payOrder(_ orderString: String) async -> String
}

/// What paying with WeChat Pay needs from WeChat's iOS SDK (`WXApi`): `send` is
/// `WXApi.send(PayReq)` with the server's parameters unchanged; WeChat's answer comes back
/// through the app's `WXApiDelegate.onResp`, which hands its `PayResp` to
/// `PaymentApps.receive(_:)`.
public protocol WechatPaySDK: AnyObject, Sendable {
    /// `WXApi.isWXAppInstalled()`.
    func isInstalled() async -> Bool
    /// `WXApi.send(_:completion:)` of a `PayReq` (`partnerId`, `prepayId`, `package`,
    /// `nonceStr`, `timeStamp`, `sign`); whether WeChat took it.
    func send(_ params: WechatPayParams) async -> Bool
}

/// WeChat's answer to a payment, as `onResp` has it in its `PayResp`.
public struct WechatPayResponse: Sendable, Equatable {
    /// `errCode`: 0 (`WXSuccess`), -1 (`WXErrCodeCommon`), -2 (`WXErrCodeUserCancel`).
    public var errCode: Int32
    /// The prepay id of the request this answers. iOS's `PayResp` does not echo it: the app's
    /// `WechatPaySDK` keeps the one it sent and passes it back with the answer.
    public var prepayId: String?

    public init(errCode: Int32, prepayId: String?) {
        self.errCode = errCode
        self.prepayId = prepayId
    }
}

/// The payment apps for the core (`PaymentProvider`): each pay request goes, unchanged, to its
/// gateway's SDK, and the answer's code back to the core, which asks the server whether the
/// order is paid. A method whose SDK the app did not give fails.
public final class PaymentApps: PaymentProvider, @unchecked Sendable {
    static let notInstalled = "WeChat is not installed"

    private let alipay: AlipaySDK?
    private let wechat: WechatPaySDK?
    private let lock = NSLock()
    // Keyed on the prepay id each WeChat Pay request carried: an answer is taken only by its own.
    private var waiting: [String: CheckedContinuation<WechatPayResponse, Error>] = [:]

    public init(alipay: AlipaySDK?, wechat: WechatPaySDK?) {
        self.alipay = alipay
        self.wechat = wechat
    }

    public func pay(request: PayRequest) async throws -> SdkResult {
        switch request {
        case .alipay(let orderString):
            guard let alipay else { throw ProviderError.Failed(detail: "this app does not pay with Alipay") }
            return .alipay(resultStatus: await alipay.payOrder(orderString))
        case .wechatPay(let params):
            guard let wechat else { throw ProviderError.Failed(detail: "this app does not pay with WeChat Pay") }
            guard await wechat.isInstalled() else { throw ProviderError.Failed(detail: Self.notInstalled) }
            let prepayId = params.prepayId
            let response = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    lock.withLock { waiting[prepayId] = continuation }
                    // Cancelled before it was stored: onCancel found nothing to resume.
                    if Task.isCancelled {
                        take(prepayId)?.resume(throwing: CancellationError())
                        return
                    }
                    Task {
                        if await !wechat.send(params) {
                            take(prepayId)?.resume(
                                throwing: ProviderError.Failed(detail: "WeChat did not take the request"))
                        }
                    }
                }
            } onCancel: {
                take(prepayId)?.resume(throwing: CancellationError())
            }
            return .wechatPay(errCode: response.errCode)
        }
    }

    /// WeChat's answer, from the app's `onResp`; false if no payment waits for its prepay id.
    @discardableResult
    public func receive(_ response: WechatPayResponse) -> Bool {
        guard let prepayId = response.prepayId, let continuation = take(prepayId) else { return false }
        continuation.resume(returning: response)
        return true
    }

    private func take(_ prepayId: String) -> CheckedContinuation<WechatPayResponse, Error>? {
        lock.withLock { waiting.removeValue(forKey: prepayId) }
    }
}
