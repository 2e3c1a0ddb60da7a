package com.medcircle.android

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.os.Bundle
import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentProvider
import com.medcircle.core.ProviderException
import com.medcircle.core.SdkResult
import com.tencent.mm.opensdk.modelbase.BaseReq
import com.tencent.mm.opensdk.modelbase.BaseResp
import com.tencent.mm.opensdk.modelpay.PayReq
import com.tencent.mm.opensdk.modelpay.PayResp
import com.tencent.mm.opensdk.openapi.IWXAPI
import com.tencent.mm.opensdk.openapi.IWXAPIEventHandler
import kotlinx.coroutines.CompletableDeferred
import java.util.concurrent.ConcurrentHashMap

/**
 * WeChat Pay through WeChat's OpenSDK: the core's [PaymentProvider] for WeChat Pay requests.
 * [pay] sends the server's signed parameters, unchanged, as a `PayReq` and waits for WeChat's
 * `PayResp`, which reaches the app's `<package>.wxapi.WXPayEntryActivity` (a
 * [WechatPayEntryActivity]) and comes here through [handleIntent]. Its `errCode` goes to the
 * core as it is: whether the order is paid is the server's word.
 */
class WechatPay(private val api: IWXAPI) : PaymentProvider, IWXAPIEventHandler {
    // Keyed on the prepay id WeChat echoes: a response is taken only by its own request.
    private val waiting = ConcurrentHashMap<String, CompletableDeferred<PayResp>>()

    override suspend fun pay(request: PayRequest): SdkResult {
        val params = (request as? PayRequest.WechatPay)?.params
            ?: throw ProviderException.Failed("not a WeChat Pay request")
        if (!api.isWXAppInstalled) throw ProviderException.Failed(WECHAT_NOT_INSTALLED)
        val answer = CompletableDeferred<PayResp>()
        waiting[params.prepayId] = answer
        try {
            val sent = PayReq().also {
                it.appId = params.appId
                it.partnerId = params.partnerId
                it.prepayId = params.prepayId
                it.packageValue = params.`package`
                it.nonceStr = params.nonceStr
                it.timeStamp = params.timestamp
                it.sign = params.sign
            }
            if (!api.sendReq(sent)) throw ProviderException.Failed("WeChat did not take the request")
            return SdkResult.WechatPay(answer.await().errCode)
        } finally {
            waiting.remove(params.prepayId)
        }
    }

    /** For the app's WXPayEntryActivity: hands WeChat's intent to the SDK, which calls [onResp]. */
    fun handleIntent(intent: Intent): Boolean = api.handleIntent(intent, this)

    override fun onResp(response: BaseResp) {
        deliver(response)
    }

    /** Requests from WeChat to the app are not payments. */
    override fun onReq(request: BaseReq) = Unit

    /** Completes the payment waiting for this response's prepay id; false if none was. */
    internal fun deliver(response: BaseResp): Boolean {
        val paid = response as? PayResp ?: return false
        val answer = paid.prepayId?.let { waiting.remove(it) } ?: return false
        return answer.complete(paid)
    }

    companion object {
        /** For the app's WeChat app id, registered with WeChat. */
        fun create(context: Context, appId: String): WechatPay = WechatPay(registeredWechatApi(context, appId))
    }
}

/**
 * The base of the app's `<package>.wxapi.WXPayEntryActivity` (the class WeChat starts with a
 * payment's answer; exported in the app's manifest): hands each intent to [wechatPay] and
 * finishes at once.
 */
abstract class WechatPayEntryActivity : Activity() {
    /** The app's one [WechatPay], the one it hands the core. */
    protected abstract val wechatPay: WechatPay

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        wechatPay.handleIntent(intent)
        finish()
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        wechatPay.handleIntent(intent)
        finish()
    }
}
