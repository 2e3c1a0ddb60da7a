package com.medcircle.android

import android.content.Context
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.os.Build
import android.telephony.TelephonyManager
import com.medcircle.core.DeviceInfo
import com.medcircle.core.DeviceInfoProvider
import com.medcircle.core.DeviceOs
import com.medcircle.core.NetworkType

/**
 * The device information the data inventory declares for risk control (`device_info`: model,
 * operating system and its version, app version, network type, carrier name), read from
 * [Build], the package manager and the connectivity and telephony services. Nothing else: no
 * device identifier, no phone number, nothing that needs a runtime permission (the carrier's
 * name does not). The core reads it after a login, on its own threads.
 */
class AndroidDeviceInfo(context: Context) : DeviceInfoProvider {
    private val context = context.applicationContext

    /** The inventory's `device_info` as the device reports it now; called by the core after a login. */
    override fun deviceInfo(): DeviceInfo {
        val network = networkType()
        return DeviceInfo(
            model = model(Build.MANUFACTURER, Build.MODEL),
            os = DeviceOs.ANDROID,
            osVersion = Build.VERSION.RELEASE ?: "",
            appVersion = appVersion(),
            networkType = network,
            // The carrier is declared as the cellular network's: none on Wi-Fi.
            carrier = if (network == NetworkType.CELLULAR) carrier() else null,
        )
    }

    private fun appVersion(): String =
        context.packageManager.getPackageInfo(context.packageName, 0).versionName ?: ""

    private fun networkType(): NetworkType {
        val connectivity = context.getSystemService(ConnectivityManager::class.java)
            ?: return NetworkType.UNKNOWN
        val network = connectivity.activeNetwork ?: return NetworkType.NONE
        val capabilities = connectivity.getNetworkCapabilities(network) ?: return NetworkType.NONE
        return when {
            capabilities.hasTransport(NetworkCapabilities.TRANSPORT_WIFI) -> NetworkType.WIFI
            capabilities.hasTransport(NetworkCapabilities.TRANSPORT_CELLULAR) -> NetworkType.CELLULAR
            capabilities.hasTransport(NetworkCapabilities.TRANSPORT_ETHERNET) -> NetworkType.ETHERNET
            else -> NetworkType.UNKNOWN
        }
    }

    private fun carrier(): String? = context.getSystemService(TelephonyManager::class.java)
        ?.networkOperatorName
        ?.takeIf { it.isNotBlank() }

    internal companion object {
        /** "Google Pixel 8", not "Google Google Pixel 8" (many models start with their maker). */
        fun model(manufacturer: String?, model: String?): String {
            val maker = manufacturer.orEmpty().trim()
            val name = model.orEmpty().trim()
            return when {
                maker.isEmpty() -> name
                name.startsWith(maker, ignoreCase = true) -> name
                else -> "$maker $name".trim()
            }
        }
    }
}
