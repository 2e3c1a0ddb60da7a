package com.medcircle.android

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.os.Bundle
import com.medcircle.core.ProviderException
import com.medcircle.core.ProviderSdk
import com.medcircle.core.SdkAuthorization
import com.tencent.mm.opensdk.modelbase.BaseReq
import com.tencent.mm.opensdk.modelbase.BaseResp
import com.tencent.mm.opensdk.modelmsg.SendAuth
import com.tencent.mm.opensdk.openapi.IWXAPI
import com.tencent.mm.opensdk.openapi.IWXAPIEventHandler
import kotlinx.coroutines.CompletableDeferred
import java.util.concurrent.ConcurrentHashMap

/**
 * WeChat login through WeChat's OpenSDK: the core's [ProviderSdk]. [authorize] sends
 * `SendAuth.Req` with the core's scope and state and waits for WeChat's `SendAuth.Resp`, which
 * reaches the app's `<package>.wxapi.WXEntryActivity` (a [WechatEntryActivity]) and comes here
 * through [handleIntent]. Register it once: `client.auth().addSdkProvider("wechat",
 * "snsapi_userinfo", WechatLogin.create(context, appId))`.
 */
class WechatLogin(private val api: IWXAPI) : ProviderSdk, IWXAPIEventHandler {
    // Keyed on the state the request carried: a response is taken only by its own request.
    private val waiting = ConcurrentHashMap<String, CompletableDeferred<SendAuth.Resp>>()

    override suspend fun authorize(scope: String, state: String): SdkAuthorization {
        if (!api.isWXAppInstalled) throw ProviderException.Failed(WECHAT_NOT_INSTALLED)
        val answer = CompletableDeferred<SendAuth.Resp>()
        waiting[state] = answer
        try {
            val request = SendAuth.Req().also {
                it.scope = scope
                it.state = state
            }
            if (!api.sendReq(request)) throw ProviderException.Failed("WeChat did not take the request")
            return authorization(answer.await())
        } finally {
            waiting.remove(state)
        }
    }

    /** For the app's WXEntryActivity: hands WeChat's intent to the SDK, which calls [onResp]. */
    fun handleIntent(intent: Intent): Boolean = api.handleIntent(intent, this)

    /** WeChat's answer, from [handleIntent]. */
    override fun onResp(response: BaseResp) {
        deliver(response)
    }

    /** Requests from WeChat to the app (messages opened from WeChat) are not logins. */
    override fun onReq(request: BaseReq) = Unit

    /** Completes the login waiting for this response's state; false if none was. */
    internal fun deliver(response: BaseResp): Boolean {
        val auth = response as? SendAuth.Resp ?: return false
        val answer = auth.state?.let { waiting.remove(it) } ?: return false
        return answer.complete(auth)
    }

    companion object {
        /** For the app's WeChat app id, registered with WeChat. */
        fun create(context: Context, appId: String): WechatLogin = WechatLogin(registeredWechatApi(context, appId))

        /** What WeChat answered, as the core takes it. */
        internal fun authorization(response: SendAuth.Resp): SdkAuthorization = when (response.errCode) {
            BaseResp.ErrCode.ERR_OK -> {
                val code = response.code
                if (code.isNullOrEmpty()) throw ProviderException.Failed("WeChat answered without a code")
                SdkAuthorization.Code(code, response.state.orEmpty())
            }
            BaseResp.ErrCode.ERR_USER_CANCEL -> SdkAuthorization.Cancelled
            BaseResp.ErrCode.ERR_AUTH_DENIED -> SdkAuthorization.Denied(response.errStr ?: "ERR_AUTH_DENIED")
            else -> throw ProviderException.Failed("WeChat answered ${response.errCode}: ${response.errStr.orEmpty()}")
        }
    }
}

/**
 * The base of the app's `<package>.wxapi.WXEntryActivity` (the class WeChat starts with its
 * answer; the app declares it exported in its manifest): hands each intent to [wechatLogin]
 * and finishes at once, since it has nothing to show.
 */
abstract class WechatEntryActivity : Activity() {
    /** The app's one [WechatLogin], the one registered with the core. */
    protected abstract val wechatLogin: WechatLogin

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        wechatLogin.handleIntent(intent)
        finish()
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        wechatLogin.handleIntent(intent)
        finish()
    }
}
