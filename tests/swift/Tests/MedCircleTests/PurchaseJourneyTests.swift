// Buying from Swift: a payment SDK written in Swift, as an iOS shell wraps Alipay's `payOrder`
// and WeChat's `PayReq`, with the reference server's dev gateway (`/dev/pay/sdk`) standing in
// for the payment app; and the typed outcome of every SDK code.

import Foundation
import MedCircle
import XCTest

/// What the user does in the (stand-in) payment app.
enum InPaymentApp: String, Sendable {
    case succeed
    case cancel
    case fail
}

final class ScriptedPayment: PaymentProvider, @unchecked Sendable {
    private let server: ReferenceServer
    private let lock = NSLock()
    private var next: InPaymentApp
    private(set) var handed: [PayRequest] = []

    init(server: ReferenceServer, _ first: InPaymentApp) {
        self.server = server
        next = first
    }

    func then(_ what: InPaymentApp) {
        lock.withLock { next = what }
    }

    func pay(request: PayRequest) async throws -> SdkResult {
        let what = lock.withLock {
            handed.append(request)
            return next
        }
        let payRequest: [String: Any]
        switch request {
        case .alipay(let orderString):
            payRequest = ["method": "alipay", "order_string": orderString]
        case .wechatPay(let params):
            payRequest = [
                "method": "wechat_pay",
                "params": [
                    "appid": params.appId, "partnerid": params.partnerId, "prepayid": params.prepayId,
                    "package": params.package, "noncestr": params.nonceStr, "timestamp": params.timestamp,
                    "sign": params.sign,
                ],
            ]
        }
        let body = try JSONSerialization.data(withJSONObject: ["pay_request": payRequest, "result": what.rawValue])
        let data = try await server.post("/dev/pay/sdk", json: String(decoding: body, as: UTF8.self))
        guard let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SupportError("the dev gateway answered \(String(decoding: data, as: UTF8.self))")
        }
        switch request {
        case .alipay: return .alipay(resultStatus: answer["resultStatus"] as? String ?? "")
        case .wechatPay: return .wechatPay(errCode: Int32(answer["errCode"] as? Int ?? Int(Int32.min)))
        }
    }
}

final class PurchaseJourneyTests: ServerTestCase {
    func testCancelThenAMembershipTheServerConfirms() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138161")
        let shop = client.purchases()
        let catalogue = try await shop.catalogue()
        let month = try XCTUnwrap(catalogue.products.first { $0.id == "member_month" })
        XCTAssertEqual(month.priceFen, 2500)
        XCTAssertEqual(month.titleEn, "Monthly membership")
        XCTAssertEqual(catalogue.methods, [.alipay, .wechatPay])

        let seen = Recorder<Entitlements>()
        let handle = shop.observeEntitlements(listener: seen)
        let first = try await seen.next("the kept entitlements")
        XCTAssertNil(first.membershipUntil)

        let sdk = ScriptedPayment(server: server, .cancel)
        let cancelled = try await shop.buy(productId: "member_month", method: .alipay, provider: sdk)
        XCTAssertEqual(cancelled.sdk, .cancelled)
        XCTAssertEqual(cancelled.order.status, .cancelled)
        XCTAssertFalse(cancelled.stillConfirming)

        sdk.then(.succeed)
        let paid = try await shop.buy(productId: "member_month", method: .wechatPay, provider: sdk)
        XCTAssertEqual(paid.sdk, .succeeded)
        XCTAssertEqual(paid.order.status, .paid)
        XCTAssertEqual(paid.order.method, .wechatPay)
        guard case .wechatPay(let params) = sdk.handed.last else { return XCTFail("no WeChat Pay request") }
        XCTAssertEqual(params.package, "Sign=WXPay")
        let granted = try await seen.first("the membership") { $0.membershipUntil != nil }
        XCTAssertEqual(granted.membershipUntil, try XCTUnwrap(paid.order.paidAt) + 31 * 86_400)
        handle.cancel()

        let orders = try await shop.refreshOrders()
        XCTAssertEqual(orders.map(\.status), [.paid, .cancelled])
    }

    func testLoggedOutNothingIsBought() async throws {
        let client = try await consentedClient()
        do {
            _ = try await client.purchases().buy(
                productId: "member_month", method: .alipay, provider: ScriptedPayment(server: server, .succeed))
            XCTFail("bought while logged out")
        } catch PurchaseError.NotLoggedIn {}
    }
}

final class PaymentOutcomeTests: XCTestCase {
    func testEveryAlipayResultStatusAndWechatErrCodeHasItsOutcome() {
        let alipay: [(String, PaymentOutcome)] = [
            ("9000", .succeeded), ("8000", .processing), ("4000", .failed), ("5000", .duplicateRequest),
            ("6001", .cancelled), ("6002", .networkError), ("7777", .unknown(code: "7777")),
        ]
        for (code, outcome) in alipay {
            XCTAssertEqual(paymentOutcome(result: .alipay(resultStatus: code)), outcome, "Alipay \(code)")
        }
        let wechat: [(Int32, PaymentOutcome)] = [
            (0, .succeeded), (-1, .failed), (-2, .cancelled), (-3, .unknown(code: "-3")),
        ]
        for (code, outcome) in wechat {
            XCTAssertEqual(paymentOutcome(result: .wechatPay(errCode: code)), outcome, "WeChat \(code)")
        }
    }
}
