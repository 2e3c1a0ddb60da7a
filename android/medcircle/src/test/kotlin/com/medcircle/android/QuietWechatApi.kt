package com.medcircle.android

import android.content.Intent
import com.tencent.mm.opensdk.modelbase.BaseReq
import com.tencent.mm.opensdk.modelbase.BaseResp
import com.tencent.mm.opensdk.openapi.IWXAPI
import com.tencent.mm.opensdk.openapi.IWXAPIEventHandler
import com.tencent.mm.opensdk.utils.ILog

/** WeChat's SDK with no WeChat behind it: tests override only what they play. */
internal open class QuietWechatApi : IWXAPI {
    override fun isWXAppInstalled() = false
    override fun sendReq(request: BaseReq) = false
    override fun handleIntent(intent: Intent, handler: IWXAPIEventHandler) = false
    override fun registerApp(appId: String) = true
    override fun registerApp(appId: String, flags: Long) = true
    override fun unregisterApp() = Unit
    override fun getWXAppSupportAPI() = 0
    override fun openWXApp() = false
    override fun sendResp(response: BaseResp) = false
    override fun detach() = Unit
    override fun setLogImpl(log: ILog) = Unit
}
