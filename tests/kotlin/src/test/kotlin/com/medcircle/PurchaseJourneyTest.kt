package com.medcircle

import com.medcircle.core.OrderStatus
import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentMethod
import com.medcircle.core.PaymentOutcome
import com.medcircle.core.PaymentProvider
import com.medcircle.core.ProviderException
import com.medcircle.core.PurchaseException
import com.medcircle.core.SdkResult
import com.medcircle.support.EntitlementsRecorder
import com.medcircle.support.ReferenceServer
import com.medcircle.support.ServerTest
import com.medcircle.support.TestEnv
import java.util.Collections
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * A payment SDK written in Kotlin, as an Android shell wraps Alipay's `payV2` and WeChat's
 * `PayReq`: the reference server's dev gateway (`/dev/pay/sdk`) stands in for the payment app.
 * [result] is what the user does there (`succeed`, `cancel`, `fail`); `throw` plays an SDK
 * that fails (the payment app not installed).
 */
class ScriptedPayment(private val server: ReferenceServer) : PaymentProvider {
    @Volatile var result: String = "succeed"
    /** When the dev gateway notifies the server: `now`, `twice` or `held`. */
    @Volatile var notify: String = "now"
    val handed: MutableList<PayRequest> = Collections.synchronizedList(mutableListOf())

    override suspend fun pay(request: PayRequest): SdkResult {
        handed += request
        if (result == "throw") throw ProviderException.Failed("支付宝未安装")
        val payRequest = when (request) {
            is PayRequest.Alipay -> """{"method":"alipay","order_string":${quote(request.orderString)}}"""
            is PayRequest.WechatPay -> with(request.params) {
                """{"method":"wechat_pay","params":{"appid":${quote(appId)},"partnerid":${quote(partnerId)},""" +
                    """"prepayid":${quote(prepayId)},"package":${quote(`package`)},"noncestr":${quote(nonceStr)},""" +
                    """"timestamp":${quote(timestamp)},"sign":${quote(sign)}}}"""
            }
        }
        val answer = withContext(Dispatchers.IO) {
            server.devPost("/dev/pay/sdk", """{"pay_request":$payRequest,"result":"$result","notify":"$notify"}""")
        }
        return when (request) {
            is PayRequest.Alipay -> SdkResult.Alipay(
                Regex(""""resultStatus"\s*:\s*"(\d+)"""").find(answer)!!.groupValues[1],
            )
            is PayRequest.WechatPay -> SdkResult.WechatPay(
                Regex(""""errCode"\s*:\s*(-?\d+)""").find(answer)!!.groupValues[1].toInt(),
            )
        }
    }

    private fun quote(text: String): String =
        "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
}

/** Buying from Kotlin: a cancel, an SDK that throws, then a membership paid and followed. */
class PurchaseJourneyTest : ServerTest() {
    @Test
    fun `cancel, a failing payment app, then a membership the server confirms`() = runBlocking {
        val client = loggedInClient()
        val shop = client.purchases()
        val catalogue = shop.catalogue()
        val month = catalogue.products.first { it.id == "member_month" }
        assertEquals(2500u, month.priceFen)
        assertEquals("月度会员", month.titleZh)
        assertEquals(listOf(PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY), catalogue.methods)

        val seen = EntitlementsRecorder()
        val handle = shop.observeEntitlements(seen)
        assertNull(seen.next().membershipUntil)

        val sdk = ScriptedPayment(server)
        sdk.result = "cancel"
        val cancelled = shop.buy("member_month", PaymentMethod.WECHAT_PAY, sdk)
        assertEquals(PaymentOutcome.Cancelled, cancelled.sdk)
        assertEquals(OrderStatus.CANCELLED, cancelled.order.status)
        assertTrue(sdk.handed.last() is PayRequest.WechatPay)

        sdk.result = "throw"
        val failed = assertThrows<PurchaseException.PaymentAppFailed> {
            runBlocking { shop.buy("member_month", PaymentMethod.ALIPAY, sdk) }
        }
        assertTrue(failed.detail.contains("支付宝未安装"), failed.detail)

        sdk.result = "succeed"
        val paid = shop.buy("member_month", PaymentMethod.ALIPAY, sdk)
        assertEquals(PaymentOutcome.Succeeded, paid.sdk)
        assertEquals(OrderStatus.PAID, paid.order.status)
        assertFalse(paid.stillConfirming)
        assertEquals("138****8000", paid.order.payerAccount)
        assertTrue((sdk.handed.last() as PayRequest.Alipay).orderString.contains("sign_type=RSA2"))
        val granted = seen.until("a membership") { it.membershipUntil != null }
        assertEquals(paid.order.paidAt!! + 31 * 86_400, granted.membershipUntil)
        handle.cancel()

        val orders = shop.refreshOrders()
        assertEquals(3, orders.size)
        assertEquals(paid.order.number, orders.first().number)
        assertNotNull(shop.order(paid.order.number).paidAt)
        shop.close()
    }

    @Test
    fun `logged out, nothing is bought`() = runBlocking {
        val client = consentedClient()
        assertThrows<PurchaseException.NotLoggedIn> {
            runBlocking { client.purchases().buy("member_month", PaymentMethod.ALIPAY, ScriptedPayment(server)) }
        }
        Unit
    }
}

/** Every code each SDK answers, typed as the core reads it. */
class PaymentOutcomeTest {
    @Test
    fun `every Alipay resultStatus and WeChat errCode has its outcome`() {
        TestEnv.nativeLibrary
        val alipay = mapOf(
            "9000" to PaymentOutcome.Succeeded,
            "8000" to PaymentOutcome.Processing,
            "4000" to PaymentOutcome.Failed,
            "5000" to PaymentOutcome.DuplicateRequest,
            "6001" to PaymentOutcome.Cancelled,
            "6002" to PaymentOutcome.NetworkError,
            "7777" to PaymentOutcome.Unknown("7777"),
        )
        for ((code, outcome) in alipay) {
            assertEquals(outcome, paymentOutcome(SdkResult.Alipay(code)), "Alipay $code")
        }
        val wechat = mapOf(
            0 to PaymentOutcome.Succeeded,
            -1 to PaymentOutcome.Failed,
            -2 to PaymentOutcome.Cancelled,
            -3 to PaymentOutcome.Unknown("-3"),
        )
        for ((code, outcome) in wechat) {
            assertEquals(outcome, paymentOutcome(SdkResult.WechatPay(code)), "WeChat $code")
        }
    }
}
