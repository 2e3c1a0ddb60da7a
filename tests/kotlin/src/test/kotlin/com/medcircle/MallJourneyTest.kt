package com.medcircle

import com.medcircle.core.AddressField
import com.medcircle.core.MallException
import com.medcircle.core.NewAddress
import com.medcircle.core.PointsReason
import com.medcircle.core.RedemptionStatus
import com.medcircle.support.RedemptionsRecorder
import com.medcircle.support.ServerTest
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The wheat-grain mall as a Kotlin shell drives it: check in, add an address (a bad one
 * refused with the field named), redeem the cheapest item, and see the order arrive at the
 * listener, the name and phone masked.
 */
class MallJourneyTest : ServerTest() {
    private fun address(phone: String) = NewAddress(
        recipientName = "欧阳明远",
        phone = phone,
        province = "北京市",
        city = "北京市",
        district = "东城区",
        street = "幸福里七弄十九号",
        isDefault = false,
    )

    @Test
    fun `check in, add an address, redeem, and see the order`() = runBlocking {
        val client = loggedInClient()
        val mall = client.mall()
        val orders = RedemptionsRecorder()
        val handle = mall.observeRedemptions(orders)
        assertEquals(emptyList<Any>(), orders.next(), "the first value: nothing kept yet")

        val checkedIn = mall.checkIn()
        assertTrue(checkedIn.awarded)
        assertFalse(mall.checkIn().awarded, "once a day")
        val points = mall.refreshPoints()
        assertEquals(checkedIn.amount, points.balance)
        assertEquals(PointsReason.CHECK_IN, points.history.single().reason)

        val refused = assertThrows<MallException.AddressInvalid> { mall.addAddress(address("12345")) }
        assertEquals(AddressField.PHONE, refused.field)
        val added = mall.addAddress(address("13912345678"))
        assertEquals("欧***", added.recipientName)
        assertEquals("139****5678", added.phone)
        assertTrue(added.isDefault)

        val cheapest = mall.refreshCatalogue().items.minBy { it.price }
        assertTrue(cheapest.price <= points.balance, "a check-in affords the cheapest item")
        val redemption = mall.redeem(cheapest.id, added.id)
        assertEquals(RedemptionStatus.PLACED, redemption.status)
        val seen = orders.until("the order") { it.isNotEmpty() }
        assertEquals(redemption.id, seen.single().id)
        assertEquals("139****5678", seen.single().address.phone)
        assertEquals(points.balance - cheapest.price, mall.refreshPoints().balance)
        handle.close()
    }
}
