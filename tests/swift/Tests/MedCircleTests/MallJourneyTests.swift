// The wheat-grain mall through the generated Swift API, against the reference server: check
// in, add an address (a bad one refused with the field named), redeem the cheapest item, and
// see the order arrive at the listener, the name and phone masked.

import Foundation
import MedCircle
import XCTest

final class MallJourneyTests: ServerTestCase {
    private func address(phone: String) -> NewAddress {
        NewAddress(
            recipientName: "欧阳明远", phone: phone, province: "北京市", city: "北京市", district: "东城区",
            street: "幸福里七弄十九号", isDefault: false)
    }

    func testCheckInAddAnAddressRedeemAndSeeTheOrder() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138071")
        let mall = client.mall()
        let orders = Recorder<[Redemption]>()
        let handle = mall.observeRedemptions(listener: orders)
        defer { handle.cancel() }
        let initial = try await orders.next("the kept orders")
        XCTAssertEqual(initial, [])

        let checkedIn = try await mall.checkIn()
        XCTAssertTrue(checkedIn.awarded)
        let again = try await mall.checkIn()
        XCTAssertFalse(again.awarded, "once a day")
        let points = try await mall.refreshPoints()
        XCTAssertEqual(points.balance, checkedIn.amount)
        XCTAssertEqual(points.history.map(\.reason), [.checkIn])

        do {
            _ = try await mall.addAddress(address: address(phone: "12345"))
            XCTFail("a bad phone was accepted")
        } catch MallError.AddressInvalid(let field) {
            XCTAssertEqual(field, .phone)
        }
        let added = try await mall.addAddress(address: address(phone: "13912345678"))
        XCTAssertEqual(added.recipientName, "欧***")
        XCTAssertEqual(added.phone, "139****5678")
        XCTAssertTrue(added.isDefault)

        let catalogue = try await mall.refreshCatalogue()
        let cheapest = try XCTUnwrap(catalogue.items.min { $0.price < $1.price })
        XCTAssertLessThanOrEqual(cheapest.price, points.balance, "a check-in affords the cheapest item")
        let redemption = try await mall.redeem(itemId: cheapest.id, addressId: added.id)
        XCTAssertEqual(redemption.status, .placed)
        let seen = try await orders.first("the order") { !$0.isEmpty }
        XCTAssertEqual(seen.map(\.id), [redemption.id])
        XCTAssertEqual(seen.first?.address.phone, "139****5678")
        let after = try await mall.refreshPoints()
        XCTAssertEqual(after.balance, points.balance - cheapest.price)
        await client.finishBackgroundWork(limitMs: 5000)
    }
}
