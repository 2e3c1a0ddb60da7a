package com.medcircle.android

import com.medcircle.MedCircleClient
import com.medcircle.core.AuthException
import com.medcircle.core.ClientConfig
import com.medcircle.core.ProviderException
import com.medcircle.core.SdkAuthorization
import com.tencent.mm.opensdk.modelbase.BaseReq
import com.tencent.mm.opensdk.modelbase.BaseResp
import com.tencent.mm.opensdk.modelmsg.SendAuth
import com.tencent.mm.opensdk.openapi.IWXAPI
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
import java.nio.file.Files
import java.util.Collections

/**
 * [WechatLogin] against a scripted [IWXAPI]: WeChat itself cannot run here, so the test plays
 * the WeChat app (installed or not, taking the request or not) and answers with the SDK's own
 * `SendAuth.Resp`. What the adapter sends and how it maps each answer is real.
 */
class WechatLoginTest {
    @Test
    fun each_answer_maps_to_what_the_core_takes() = runBlocking {
        assertEquals(SdkAuthorization.Code("code-1", "state-1"), answered(ok("code-1", "state-1")))
        assertEquals(SdkAuthorization.Cancelled, answered(resp(BaseResp.ErrCode.ERR_USER_CANCEL, "state-1")))
        assertEquals(
            SdkAuthorization.Denied("the user refused"),
            answered(resp(BaseResp.ErrCode.ERR_AUTH_DENIED, "state-1", "the user refused")),
        )
        for (code in listOf(BaseResp.ErrCode.ERR_COMM, BaseResp.ErrCode.ERR_SENT_FAILED, BaseResp.ErrCode.ERR_UNSUPPORT, BaseResp.ErrCode.ERR_BAN)) {
            val failure = failure { answered(resp(code, "state-1", "reason $code")) }
            assertTrue(failure.detail, failure.detail.contains("$code"))
        }
        val noCode = failure { answered(resp(BaseResp.ErrCode.ERR_OK, "state-1")) }
        assertTrue(noCode.detail, noCode.detail.contains("without a code"))
    }

    @Test
    fun the_request_carries_the_scope_and_state() = runBlocking {
        val wechat = ScriptedWechat()
        val login = attached(wechat)
        wechat.answer = { request -> ok("code-2", request.state) }
        assertEquals(SdkAuthorization.Code("code-2", "state-2"), login.authorize("snsapi_userinfo", "state-2"))
        val sent = wechat.sent.single()
        assertEquals("snsapi_userinfo", sent.scope)
        assertEquals("state-2", sent.state)
    }

    @Test
    fun not_installed_fails_before_sending() = runBlocking {
        val wechat = ScriptedWechat(installed = false)
        val failure = failure { attached(wechat).authorize("snsapi_userinfo", "state-3") }
        assertEquals(WECHAT_NOT_INSTALLED, failure.detail)
        assertEquals(emptyList<SendAuth.Req>(), wechat.sent)
    }

    @Test
    fun a_request_wechat_does_not_take_fails() = runBlocking {
        val wechat = ScriptedWechat(takes = false)
        val failure = failure { attached(wechat).authorize("snsapi_userinfo", "state-4") }
        assertTrue(failure.detail, failure.detail.contains("did not take"))
    }

    @Test
    fun an_answer_to_another_request_is_not_taken_for_ours() = runBlocking {
        val wechat = ScriptedWechat()
        val login = attached(wechat)
        val waiting = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            login.authorize("snsapi_userinfo", "ours")
        }
        withTimeout(TIMEOUT) { while (wechat.sent.isEmpty()) delay(10) }
        assertFalse(login.deliver(ok("someone-else's", "theirs")))
        assertFalse(login.deliver(resp(BaseResp.ErrCode.ERR_USER_CANCEL, null)))
        assertFalse(waiting.isCompleted)
        assertTrue(login.deliver(ok("ours-code", "ours")))
        assertEquals(SdkAuthorization.Code("ours-code", "ours"), withTimeout(TIMEOUT) { waiting.await() })
        assertFalse("answered once", login.deliver(ok("again", "ours")))
    }

    /** Through the real core (the host library): its fresh state goes to WeChat and back. */
    @Test
    fun the_core_sends_its_state_and_takes_the_answer() = runBlocking {
        val dataDir = Files.createTempDirectory("medcircle-wechat")
        val client = MedCircleClient.open(ClientConfig("http://127.0.0.1:9", dataDir.toString(), dev = true, spkiPins = listOf()))
        try {
            val wechat = ScriptedWechat()
            val auth = client.auth()
            auth.addSdkProvider("wechat", "snsapi_userinfo", attached(wechat))
            wechat.answer = { request -> ok("code-5", request.state) }
            assertEquals("wechat", auth.authorizeWithSdk("wechat").provider)
            assertTrue(wechat.sent.single().state.length >= 32)

            wechat.answer = { request -> resp(BaseResp.ErrCode.ERR_USER_CANCEL, request.state) }
            assertThrows<AuthException.LoginCancelled> { auth.authorizeWithSdk("wechat") }
            wechat.answer = { request -> resp(BaseResp.ErrCode.ERR_AUTH_DENIED, request.state, "refused") }
            assertEquals("refused", assertThrows<AuthException.ProviderDenied> { auth.authorizeWithSdk("wechat") }.reason)
            wechat.installed = false
            assertThrows<AuthException.ProviderAppFailed> { auth.authorizeWithSdk("wechat") }
            assertEquals(3, wechat.sent.map { it.state }.toSet().size)
        } finally {
            client.close()
            dataDir.toFile().deleteRecursively()
        }
    }

    /** Plays the WeChat app behind the SDK: answers each sent request from another thread. */
    private class ScriptedWechat(@Volatile var installed: Boolean = true, private val takes: Boolean = true) : QuietWechatApi() {
        val sent: MutableList<SendAuth.Req> = Collections.synchronizedList(mutableListOf())
        @Volatile var answer: ((SendAuth.Req) -> SendAuth.Resp)? = null
        private var handler: WechatLogin? = null

        override fun isWXAppInstalled() = installed

        override fun sendReq(request: BaseReq): Boolean {
            if (!takes) return false
            request as SendAuth.Req
            sent += request
            answer?.let { answering -> Thread { handler!!.onResp(answering(request)) }.start() }
            return true
        }

        fun attach(login: WechatLogin) {
            handler = login
        }
    }

    /** The adapter over [wechat], which answers it as WeChat answers the entry activity. */
    private fun attached(wechat: ScriptedWechat): WechatLogin = WechatLogin(wechat).also { wechat.attach(it) }

    private suspend fun answered(response: SendAuth.Resp): SdkAuthorization {
        val wechat = ScriptedWechat()
        wechat.answer = { response }
        return withTimeout(TIMEOUT) { attached(wechat).authorize("snsapi_userinfo", "state-1") }
    }

    private suspend fun failure(block: suspend () -> Unit): ProviderException.Failed =
        assertThrows<ProviderException.Failed> { block() }

    private suspend inline fun <reified E : Throwable> assertThrows(block: suspend () -> Unit): E {
        try {
            block()
        } catch (error: Throwable) {
            if (error is E) return error
            throw AssertionError("expected ${E::class.simpleName}, got $error", error)
        }
        fail("expected ${E::class.simpleName}")
        throw IllegalStateException()
    }

    private fun ok(code: String, state: String) = resp(BaseResp.ErrCode.ERR_OK, state).also { it.code = code }

    private fun resp(errCode: Int, state: String?, errStr: String? = null) = SendAuth.Resp().also {
        it.errCode = errCode
        it.state = state
        it.errStr = errStr
    }

    private companion object {
        const val TIMEOUT = 20_000L
    }
}
