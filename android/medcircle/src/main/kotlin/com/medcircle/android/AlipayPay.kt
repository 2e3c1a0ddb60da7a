package com.medcircle.android

import android.app.Activity
import com.alipay.sdk.app.PayTask
import com.medcircle.core.PayRequest
import com.medcircle.core.PaymentProvider
import com.medcircle.core.ProviderException
import com.medcircle.core.SdkResult
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Alipay through Alipay's app-pay SDK: the core's [PaymentProvider] for Alipay requests.
 * [pay] hands the server's signed `orderString`, unchanged, to `PayTask.payV2`, which opens
 * Alipay (or its web cashier when Alipay is not installed) and blocks until the user is back,
 * so it runs off the main thread. Its `resultStatus` goes to the core as it is: whether the
 * order is paid is the server's word.
 *
 * The library compiles against Alipay's SDK without bringing it: an app that pays with Alipay
 * adds `com.alipay.sdk:alipaysdk-android` itself (its manifest adds Alipay's `<queries>`, its
 * web cashier activity and network-state permissions).
 */
class AlipayPay(private val payV2: (orderString: String) -> Map<String, String>) : PaymentProvider {
    override suspend fun pay(request: PayRequest): SdkResult {
        val orderString = (request as? PayRequest.Alipay)?.orderString
            ?: throw ProviderException.Failed("not an Alipay request")
        val answer = withContext(Dispatchers.IO) { payV2(orderString) }
        val status = answer["resultStatus"]
            ?: throw ProviderException.Failed("Alipay answered without a resultStatus")
        return SdkResult.Alipay(status)
    }

    companion object {
        /**
         * Pays from the activity on screen when the payment starts ([currentActivity]): the
         * SDK shows its cashier over it. Not kept between payments, so no activity leaks.
         */
        fun create(currentActivity: () -> Activity): AlipayPay =
            AlipayPay { orderString -> PayTask(currentActivity()).payV2(orderString, true) }
    }
}
