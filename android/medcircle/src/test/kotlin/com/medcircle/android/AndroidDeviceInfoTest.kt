package com.medcircle.android

import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.telephony.TelephonyManager
import com.medcircle.core.DeviceInfo
import com.medcircle.core.DeviceOs
import com.medcircle.core.NetworkType
import org.junit.Assert.assertEquals
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowBuild
import org.robolectric.shadows.ShadowNetworkCapabilities

/**
 * The device report holds exactly the declared fields, each read from its platform source. No
 * runtime permission is granted here: reading anything guarded (a device id, the phone number)
 * would throw.
 */
@RunWith(RobolectricTestRunner::class)
class AndroidDeviceInfoTest {
    private val app = RuntimeEnvironment.getApplication()
    private val connectivity = app.getSystemService(ConnectivityManager::class.java)!!

    @Before
    fun device() {
        ShadowBuild.setManufacturer("Xiaomi")
        ShadowBuild.setModel("23127PN0CC")
        ShadowBuild.setVersionRelease("15")
        shadowOf(app.packageManager).getInternalMutablePackageInfo(app.packageName).versionName = "2.3.1"
        shadowOf(app.getSystemService(TelephonyManager::class.java)).setNetworkOperatorName("中国移动")
    }

    @Test
    fun on_cellular_the_report_names_the_carrier() {
        onNetwork(NetworkCapabilities.TRANSPORT_CELLULAR)
        assertEquals(
            DeviceInfo(
                model = "Xiaomi 23127PN0CC",
                os = DeviceOs.ANDROID,
                osVersion = "15",
                appVersion = "2.3.1",
                networkType = NetworkType.CELLULAR,
                carrier = "中国移动",
            ),
            AndroidDeviceInfo(app).deviceInfo(),
        )
    }

    @Test
    fun off_cellular_there_is_no_carrier() {
        onNetwork(NetworkCapabilities.TRANSPORT_WIFI)
        val info = AndroidDeviceInfo(app).deviceInfo()
        assertEquals(NetworkType.WIFI, info.networkType)
        assertEquals(null, info.carrier)
        onNetwork(NetworkCapabilities.TRANSPORT_ETHERNET)
        assertEquals(NetworkType.ETHERNET, AndroidDeviceInfo(app).deviceInfo().networkType)
        onNetwork(NetworkCapabilities.TRANSPORT_BLUETOOTH)
        assertEquals(NetworkType.UNKNOWN, AndroidDeviceInfo(app).deviceInfo().networkType)
    }

    @Test
    fun without_a_network_the_type_is_none() {
        shadowOf(connectivity).setDefaultNetworkActive(false)
        shadowOf(connectivity).setActiveNetworkInfo(null)
        val info = AndroidDeviceInfo(app).deviceInfo()
        assertEquals(NetworkType.NONE, info.networkType)
        assertEquals(null, info.carrier)
    }

    @Test
    fun a_blank_carrier_name_is_none() {
        onNetwork(NetworkCapabilities.TRANSPORT_CELLULAR)
        shadowOf(app.getSystemService(TelephonyManager::class.java)).setNetworkOperatorName(" ")
        assertEquals(null, AndroidDeviceInfo(app).deviceInfo().carrier)
    }

    @Test
    fun the_maker_is_named_once() {
        assertEquals("Google Pixel 8", AndroidDeviceInfo.model("Google", "Pixel 8"))
        assertEquals("samsung SM-S918B", AndroidDeviceInfo.model("samsung", "SM-S918B"))
        assertEquals("HUAWEI Mate 60", AndroidDeviceInfo.model("HUAWEI", "HUAWEI Mate 60"))
        assertEquals("Pixel 8", AndroidDeviceInfo.model(null, "Pixel 8"))
    }

    private fun onNetwork(transport: Int) {
        val capabilities = ShadowNetworkCapabilities.newInstance()
        shadowOf(capabilities).addTransportType(transport)
        shadowOf(connectivity).setNetworkCapabilities(connectivity.activeNetwork, capabilities)
    }
}
