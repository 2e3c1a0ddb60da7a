package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginStep
import com.medcircle.core.ProviderException
import com.medcircle.core.ProviderSdk
import com.medcircle.core.SdkAuthorization
import com.medcircle.support.ReferenceServer
import com.medcircle.support.ServerTest
import java.net.URLEncoder
import java.nio.charset.StandardCharsets
import java.util.Collections
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * A WeChat-style SDK written in Kotlin, as an Android shell wraps WeChat's `SendAuth.Req`: the
 * reference server's dev provider (`/dev/wechat/authorize`) stands in for the WeChat app.
 * [decision] is what the user does there: `null` agrees as [user], `cancel` or `deny`, and
 * `throw` plays an SDK that fails (WeChat not installed).
 */
class ScriptedWechat(private val server: ReferenceServer, private val user: String) : ProviderSdk {
    @Volatile var decision: String? = null
    val asked: MutableList<Pair<String, String>> = Collections.synchronizedList(mutableListOf())

    override suspend fun authorize(scope: String, state: String): SdkAuthorization {
        asked += scope to state
        if (decision == "throw") throw ProviderException.Failed("微信未安装")
        val query = listOf(
            "appid" to "wxd0medcircle0app",
            "scope" to scope,
            "state" to state,
            "user" to user,
        ) + listOfNotNull(decision?.let { "decision" to it })
        val path = "/dev/wechat/authorize?" + query.joinToString("&") { (key, value) ->
            "$key=" + URLEncoder.encode(value, StandardCharsets.UTF_8)
        }
        val answer = withContext(Dispatchers.IO) { server.devGet(path) }
        val echoed = field(answer, "state")
        return when (Regex(""""errCode"\s*:\s*(-?\d+)""").find(answer)?.groupValues?.get(1)) {
            "0" -> SdkAuthorization.Code(field(answer, "code"), echoed)
            "-2" -> SdkAuthorization.Cancelled
            "-4" -> SdkAuthorization.Denied("ERR_AUTH_DENIED")
            else -> throw AssertionError("the dev provider refused: $answer")
        }
    }

    private fun field(json: String, name: String): String =
        Regex(""""$name"\s*:\s*"([^"]*)"""").find(json)?.groupValues?.get(1)
            ?: throw AssertionError("no $name in $json")
}

/** Login with WeChat from Kotlin: cancel, a failing SDK, then binding through the login screen. */
class WechatLoginTest : ServerTest() {
    @Test
    fun `cancel in WeChat, an SDK that throws, then login binding the nickname`() = runBlocking {
        val client = consentedClient()
        val auth = client.auth()
        val wechat = ScriptedWechat(server, "doctor-li")
        auth.addSdkProvider("wechat", "snsapi_userinfo", wechat)
        assertTrue(auth.oauthProviders().contains("wechat"))
        val login = auth.loginFlow()

        wechat.decision = "cancel"
        val cancelled = login.send(LoginEvent.ChooseProvider("wechat"))
        assertEquals(LoginStep.Start, cancelled.step)
        assertNull(cancelled.error, "cancelling in WeChat is no failure")
        assertThrows<AuthException.LoginCancelled> { runBlocking { auth.authorizeWithSdk("wechat") } }

        wechat.decision = "throw"
        val failed = login.send(LoginEvent.ChooseProvider("wechat"))
        val error = failed.error as AuthException.ProviderAppFailed
        assertTrue(error.detail.contains("微信未安装"), error.detail)

        wechat.decision = null
        val asked = login.send(LoginEvent.ChooseProvider("wechat")).step as LoginStep.ConfirmBinding
        assertEquals("wechat", asked.account.provider)
        val (scope, state) = wechat.asked.last()
        assertEquals("snsapi_userinfo", scope)
        assertTrue(state.length >= 32, "a fresh random state: $state")
        assertEquals(4, wechat.asked.map { it.second }.toSet().size, "a new state each time")

        val done = login.send(LoginEvent.DecideBinding(true)).step as LoginStep.LoggedIn
        assertEquals("微信医生", done.user.nickname)
        assertTrue(done.user.avatarUrl!!.endsWith("/dev/wechat/avatars/doctor-li.png"))
        assertEquals(done.user.id, auth.whoami().id)
        assertTrue(server.devGet("/dev/wechat/calls").contains(""""userinfo":1"""))
    }
}
