package com.medcircle

import com.alipay.api.internal.util.AlipaySignature
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.medcircle.core.OrderStatus
import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentMethod
import com.medcircle.support.ServerTest
import com.wechat.pay.java.core.exception.ValidationException
import com.wechat.pay.java.core.notification.NotificationParser
import com.wechat.pay.java.core.notification.RSAPublicKeyNotificationConfig
import com.wechat.pay.java.core.notification.RequestParam
import com.wechat.pay.java.service.payments.model.Transaction
import java.net.URLDecoder
import java.nio.charset.StandardCharsets
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The server's and the dev gateways' signatures checked by the gateways' own SDKs, not by our
 * code: Alipay's `AlipaySignature` (the merchant's RSA2 over the `orderString`, Alipay's over a
 * notification) and WeChat Pay's `NotificationParser` (`Wechatpay-Signature` and the
 * AES-256-GCM resource).
 */
class GatewaySdkCheckTest : ServerTest() {
    private fun keys(): JsonObject = JsonParser.parseString(server.devGet("/dev/pay/keys")).asJsonObject

    private fun notification(number: String, tamper: String): JsonObject =
        JsonParser.parseString(
            server.devPost("/dev/pay/notify", """{"order_number":"$number","tamper":"$tamper"}"""),
        ).asJsonObject

    private fun form(text: String): MutableMap<String, String> =
        text.split("&").associate { pair ->
            val (name, value) = pair.split("=", limit = 2)
            URLDecoder.decode(name, StandardCharsets.UTF_8) to URLDecoder.decode(value, StandardCharsets.UTF_8)
        }.toMutableMap()

    @Test
    fun `Alipay's SDK verifies the orderString and the notification`() = runBlocking {
        val client = loggedInClient()
        val shop = client.purchases()
        shop.setConfirmationLimitMs(300u)
        val sdk = ScriptedPayment(server).apply { notify = "held" }
        val bought = shop.buy("member_month", PaymentMethod.ALIPAY, sdk)
        val keys = keys()

        val order = form((sdk.handed.last() as PayRequest.Alipay).orderString)
        val sign = order.remove("sign")!!
        val merchantKey = keys["alipay_merchant_public_key"].asString
        assertTrue(AlipaySignature.rsa256CheckContent(AlipaySignature.getSignContent(order), sign, merchantKey, "UTF-8"))
        order["subject"] = "改过的商品"
        assertFalse(AlipaySignature.rsa256CheckContent(AlipaySignature.getSignContent(order), sign, merchantKey, "UTF-8"))

        val alipayKey = keys["alipay_public_key"].asString
        val genuine = notification(bought.order.number, "none")
        assertTrue(genuine["accepted"].asBoolean)
        val params = form(genuine["notification"].asJsonObject["body"].asString)
        assertEquals(bought.order.number, params["out_trade_no"])
        assertEquals("25.00", params["total_amount"])
        assertTrue(AlipaySignature.rsaCheckV1(params, alipayKey, "UTF-8", "RSA2"))
        for (tamper in listOf("forge", "alter")) {
            val refused = notification(bought.order.number, tamper)
            assertFalse(refused["accepted"].asBoolean)
            val tampered = form(refused["notification"].asJsonObject["body"].asString)
            assertFalse(AlipaySignature.rsaCheckV1(tampered, alipayKey, "UTF-8", "RSA2"), tamper)
        }
        assertEquals(OrderStatus.PAID, shop.order(bought.order.number).status)
        shop.close()
    }

    @Test
    fun `WeChat Pay's SDK verifies and opens the notification`() = runBlocking {
        val client = loggedInClient()
        val shop = client.purchases()
        shop.setConfirmationLimitMs(300u)
        val sdk = ScriptedPayment(server).apply { notify = "held" }
        val bought = shop.buy("case_pack", PaymentMethod.WECHAT_PAY, sdk)
        val keys = keys()
        val parser = NotificationParser(
            RSAPublicKeyNotificationConfig.Builder()
                .publicKey(keys["wechat_pay_platform_public_key"].asString)
                .publicKeyId("PUB_KEY_ID_dev")
                .apiV3Key(keys["wechat_pay_api_v3_key"].asString)
                .build(),
        )
        fun parse(sent: JsonObject): Transaction =
            parser.parse(
                RequestParam.Builder()
                    .serialNumber("PUB_KEY_ID_dev")
                    .timestamp(sent["timestamp"].asString)
                    .nonce(sent["nonce"].asString)
                    .signature(sent["signature"].asString)
                    .body(sent["body"].asString)
                    .build(),
                Transaction::class.java,
            )

        val genuine = notification(bought.order.number, "none")
        assertTrue(genuine["accepted"].asBoolean)
        val transaction = parse(genuine["notification"].asJsonObject)
        assertEquals(bought.order.number, transaction.outTradeNo)
        assertEquals(600, transaction.amount.total)
        assertEquals("1900000001", transaction.mchid)
        for (tamper in listOf("forge", "alter")) {
            val refused = notification(bought.order.number, tamper)
            assertFalse(refused["accepted"].asBoolean)
            assertThrows<ValidationException>(tamper) { parse(refused["notification"].asJsonObject) }
        }
        assertEquals(OrderStatus.PAID, shop.order(bought.order.number).status)
        shop.close()
    }
}
