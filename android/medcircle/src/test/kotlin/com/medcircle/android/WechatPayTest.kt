package com.medcircle.android

import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentOutcome
import com.medcircle.core.ProviderException
import com.medcircle.core.SdkResult
import com.medcircle.core.WechatPayParams
import com.medcircle.paymentOutcome
import com.tencent.mm.opensdk.modelbase.BaseReq
import com.tencent.mm.opensdk.modelbase.BaseResp
import com.tencent.mm.opensdk.modelpay.PayReq
import com.tencent.mm.opensdk.modelpay.PayResp
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.util.Collections

/**
 * [WechatPay] against a scripted [com.tencent.mm.opensdk.openapi.IWXAPI]: WeChat itself cannot
 * run here, so the test plays the WeChat app and answers with the SDK's own `PayResp`. What
 * the adapter sends and the outcome the core reads from each answer are real.
 */
class WechatPayTest {
    private val params = WechatPayParams("wx0app", "1900000001", "wx2026prepay", "Sign=WXPay", "nonce-1", "1796445000", "c2lnbg==")

    @Test
    fun the_servers_parameters_go_to_wechat_unchanged() = runBlocking {
        val wechat = ScriptedWechat()
        wechat.answer = { request -> resp(BaseResp.ErrCode.ERR_OK, request.prepayId) }
        assertEquals(SdkResult.WechatPay(0), attached(wechat).pay(PayRequest.WechatPay(params)))
        val sent = wechat.sent.single()
        assertEquals(listOf("wx0app", "1900000001", "wx2026prepay", "Sign=WXPay", "nonce-1", "1796445000", "c2lnbg=="),
            listOf(sent.appId, sent.partnerId, sent.prepayId, sent.packageValue, sent.nonceStr, sent.timeStamp, sent.sign))
    }

    @Test
    fun each_errcode_reaches_the_core_as_its_outcome() = runBlocking {
        val expected = mapOf(
            BaseResp.ErrCode.ERR_OK to PaymentOutcome.Succeeded,
            BaseResp.ErrCode.ERR_COMM to PaymentOutcome.Failed,
            BaseResp.ErrCode.ERR_USER_CANCEL to PaymentOutcome.Cancelled,
        )
        for ((code, outcome) in expected) {
            val wechat = ScriptedWechat()
            wechat.answer = { request -> resp(code, request.prepayId) }
            val result = withTimeout(TIMEOUT) { attached(wechat).pay(PayRequest.WechatPay(params)) }
            assertEquals("errCode $code", outcome, paymentOutcome(result))
        }
    }

    @Test
    fun not_installed_or_not_taken_fails_and_an_alipay_request_is_not_wechats() = runBlocking {
        val absent = ScriptedWechat(installed = false)
        assertEquals(WECHAT_NOT_INSTALLED, failure { attached(absent).pay(PayRequest.WechatPay(params)) }.detail)
        assertEquals(emptyList<PayReq>(), absent.sent)
        val refusing = ScriptedWechat(takes = false)
        assertTrue(failure { attached(refusing).pay(PayRequest.WechatPay(params)) }.detail.contains("did not take"))
        assertTrue(failure { attached(ScriptedWechat()).pay(PayRequest.Alipay("a=1")) }.detail.contains("not a WeChat Pay"))
    }

    @Test
    fun an_answer_to_another_payment_is_not_taken_for_ours() = runBlocking {
        val wechat = ScriptedWechat()
        val pay = attached(wechat)
        val waiting = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { pay.pay(PayRequest.WechatPay(params)) }
        withTimeout(TIMEOUT) { while (wechat.sent.isEmpty()) delay(10) }
        assertFalse(pay.deliver(resp(BaseResp.ErrCode.ERR_OK, "someone-else's")))
        assertFalse(pay.deliver(resp(BaseResp.ErrCode.ERR_OK, null)))
        assertFalse(waiting.isCompleted)
        assertTrue(pay.deliver(resp(BaseResp.ErrCode.ERR_USER_CANCEL, "wx2026prepay")))
        assertEquals(SdkResult.WechatPay(-2), withTimeout(TIMEOUT) { waiting.await() })
        assertFalse("answered once", pay.deliver(resp(BaseResp.ErrCode.ERR_OK, "wx2026prepay")))
    }

    /** Plays the WeChat app behind the SDK: answers each sent request from another thread. */
    private class ScriptedWechat(private val installed: Boolean = true, private val takes: Boolean = true) : QuietWechatApi() {
        val sent: MutableList<PayReq> = Collections.synchronizedList(mutableListOf())
        @Volatile var answer: ((PayReq) -> PayResp)? = null
        private var handler: WechatPay? = null

        override fun isWXAppInstalled() = installed

        override fun sendReq(request: BaseReq): Boolean {
            if (!takes) return false
            request as PayReq
            sent += request
            answer?.let { answering -> Thread { handler!!.onResp(answering(request)) }.start() }
            return true
        }

        fun attach(pay: WechatPay) {
            handler = pay
        }
    }

    private fun attached(wechat: ScriptedWechat): WechatPay = WechatPay(wechat).also { wechat.attach(it) }

    private suspend fun failure(block: suspend () -> Unit): ProviderException.Failed {
        try {
            block()
        } catch (error: ProviderException.Failed) {
            return error
        }
        fail("expected ProviderException.Failed")
        throw IllegalStateException()
    }

    private fun resp(errCode: Int, prepayId: String?) = PayResp().also {
        it.errCode = errCode
        it.prepayId = prepayId
    }

    private companion object {
        const val TIMEOUT = 20_000L
    }
}
