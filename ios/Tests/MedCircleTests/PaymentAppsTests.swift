import Foundation
import XCTest
@testable import MedCircle

/// Plays Alipay's and WeChat's iOS SDKs and the apps behind them (none exists on Linux).
final class ScriptedPaymentSDKs: AlipaySDK, WechatPaySDK, @unchecked Sendable {
    private let lock = NSLock()
    private let installed: Bool
    private let takes: Bool
    private var wechatAnswer: Int32?
    private var sentOrders: [String] = []
    private var sentParams: [WechatPayParams] = []
    let resultStatus: String
    weak var apps: PaymentApps?

    init(installed: Bool = true, takes: Bool = true, resultStatus: String = "9000", wechatAnswer: Int32? = 0) {
        self.installed = installed
        self.takes = takes
        self.resultStatus = resultStatus
        self.wechatAnswer = wechatAnswer
    }

    var orders: [String] { lock.withLock { sentOrders } }
    var params: [WechatPayParams] { lock.withLock { sentParams } }

    func payOrder(_ orderString: String) async -> String {
        lock.withLock { sentOrders.append(orderString) }
        return resultStatus
    }

    func isInstalled() async -> Bool { installed }

    func send(_ params: WechatPayParams) async -> Bool {
        guard takes else { return false }
        let answer = lock.withLock {
            sentParams.append(params)
            return wechatAnswer
        }
        if let answer, let apps {
            Task.detached { apps.receive(WechatPayResponse(errCode: answer, prepayId: params.prepayId)) }
        }
        return true
    }
}

final class PaymentAppsTests: XCTestCase {
    private let params = WechatPayParams(
        appId: "wx0app", partnerId: "1900000001", prepayId: "wx2026prepay", package: "Sign=WXPay",
        nonceStr: "nonce-1", timestamp: "1796445000", sign: "c2lnbg==")

    private func attached(_ sdks: ScriptedPaymentSDKs) -> PaymentApps {
        let apps = PaymentApps(alipay: sdks, wechat: sdks)
        sdks.apps = apps
        return apps
    }

    func testEachRequestGoesToItsSDKUnchangedAndItsCodeBackAsItsOutcome() async throws {
        for (status, outcome) in [("9000", PaymentOutcome.succeeded), ("6001", .cancelled), ("4000", .failed)] {
            let sdks = ScriptedPaymentSDKs(resultStatus: status)
            let result = try await attached(sdks).pay(request: .alipay(orderString: "app_id=2021&sign=x"))
            XCTAssertEqual(paymentOutcome(result: result), outcome, status)
            XCTAssertEqual(sdks.orders, ["app_id=2021&sign=x"])
        }
        for (code, outcome) in [(Int32(0), PaymentOutcome.succeeded), (-1, .failed), (-2, .cancelled)] {
            let sdks = ScriptedPaymentSDKs(wechatAnswer: code)
            let result = try await attached(sdks).pay(request: .wechatPay(params: params))
            XCTAssertEqual(paymentOutcome(result: result), outcome, "\(code)")
            XCTAssertEqual(sdks.params, [params])
        }
    }

    func testWechatMissingOrRefusingAndAnAppWithoutAlipayFail() async {
        for (sdks, expected) in [
            (ScriptedPaymentSDKs(installed: false), PaymentApps.notInstalled),
            (ScriptedPaymentSDKs(takes: false), "WeChat did not take the request"),
        ] {
            do {
                _ = try await attached(sdks).pay(request: .wechatPay(params: params))
                XCTFail("paid without WeChat")
            } catch ProviderError.Failed(let detail) {
                XCTAssertEqual(detail, expected)
            } catch {
                XCTFail("\(error)")
            }
        }
        do {
            _ = try await PaymentApps(alipay: nil, wechat: nil).pay(request: .alipay(orderString: "a=1"))
            XCTFail("paid without Alipay")
        } catch ProviderError.Failed(let detail) {
            XCTAssertTrue(detail.contains("Alipay"), detail)
        } catch {
            XCTFail("\(error)")
        }
    }

    func testAnAnswerToAnotherPaymentIsNotTakenForOurs() async throws {
        let sdks = ScriptedPaymentSDKs(wechatAnswer: nil)
        let apps = attached(sdks)
        let waiting = Task { try await apps.pay(request: .wechatPay(params: params)) }
        while sdks.params.isEmpty { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertFalse(apps.receive(WechatPayResponse(errCode: 0, prepayId: "someone-else's")))
        XCTAssertFalse(apps.receive(WechatPayResponse(errCode: 0, prepayId: nil)))
        XCTAssertTrue(apps.receive(WechatPayResponse(errCode: -2, prepayId: "wx2026prepay")))
        let result = try await waiting.value
        XCTAssertEqual(result, .wechatPay(errCode: -2))
        XCTAssertFalse(apps.receive(WechatPayResponse(errCode: 0, prepayId: "wx2026prepay")), "answered once")
    }
}
