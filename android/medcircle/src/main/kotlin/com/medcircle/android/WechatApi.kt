package com.medcircle.android

import android.content.Context
import com.tencent.mm.opensdk.openapi.IWXAPI
import com.tencent.mm.opensdk.openapi.WXAPIFactory

/** What WeChat login and WeChat Pay say when WeChat is not on the phone. */
internal const val WECHAT_NOT_INSTALLED = "WeChat is not installed"

/** The OpenSDK's API for the app's WeChat app id, registered with WeChat. */
internal fun registeredWechatApi(context: Context, appId: String): IWXAPI =
    WXAPIFactory.createWXAPI(context.applicationContext, appId, true).also { it.registerApp(appId) }
