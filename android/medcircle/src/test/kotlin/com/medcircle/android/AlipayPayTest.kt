package com.medcircle.android

import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentOutcome
import com.medcircle.core.ProviderException
import com.medcircle.core.SdkResult
import com.medcircle.core.WechatPayParams
import com.medcircle.paymentOutcome
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/**
 * [AlipayPay] over a scripted `payV2`: Alipay itself cannot run here, so the test plays the
 * SDK's call and answers as `PayTask.payV2` does (a map with `resultStatus`, `result`, `memo`).
 * What the adapter hands over and the outcome the core reads from each answer are real.
 */
class AlipayPayTest {
    private val orderString = "app_id=2021000000000000&biz_content=%7B%7D&sign_type=RSA2&sign=c2lnbg%3D%3D"

    private fun answer(status: String) = mapOf("resultStatus" to status, "result" to "", "memo" to "")

    @Test
    fun the_servers_order_string_goes_to_alipay_unchanged_and_off_the_callers_thread() = runBlocking {
        val handed = mutableListOf<Pair<String, Thread>>()
        val alipay = AlipayPay { order -> handed += order to Thread.currentThread(); answer("9000") }
        assertEquals(SdkResult.Alipay("9000"), alipay.pay(PayRequest.Alipay(orderString)))
        val (order, thread) = handed.single()
        assertEquals(orderString, order)
        assertNotEquals("payV2 blocks: not on the caller's thread", Thread.currentThread(), thread)
    }

    @Test
    fun each_result_status_reaches_the_core_as_its_outcome() = runBlocking {
        val expected = mapOf(
            "9000" to PaymentOutcome.Succeeded,
            "8000" to PaymentOutcome.Processing,
            "4000" to PaymentOutcome.Failed,
            "5000" to PaymentOutcome.DuplicateRequest,
            "6001" to PaymentOutcome.Cancelled,
            "6002" to PaymentOutcome.NetworkError,
            "6004" to PaymentOutcome.Processing,
            "7777" to PaymentOutcome.Unknown("7777"),
        )
        for ((status, outcome) in expected) {
            val result = AlipayPay { answer(status) }.pay(PayRequest.Alipay(orderString))
            assertEquals("resultStatus $status", outcome, paymentOutcome(result))
        }
    }

    @Test
    fun an_answer_without_a_status_or_a_wechat_request_fails_without_calling_alipay() = runBlocking {
        val silent = AlipayPay { emptyMap() }
        try {
            silent.pay(PayRequest.Alipay(orderString))
            fail("an answer without resultStatus was taken")
        } catch (e: ProviderException.Failed) {
            assertTrue(e.detail, e.detail.contains("resultStatus"))
        }
        var called = false
        val alipay = AlipayPay { called = true; answer("9000") }
        val wechat = PayRequest.WechatPay(WechatPayParams("wx0app", "1900000001", "wx1", "Sign=WXPay", "n", "1", "s"))
        try {
            alipay.pay(wechat)
            fail("a WeChat Pay request went to Alipay")
        } catch (e: ProviderException.Failed) {
            assertTrue(e.detail, e.detail.contains("not an Alipay request"))
        }
        assertTrue("Alipay was not called", !called)
    }
}
