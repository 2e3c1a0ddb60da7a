package com.medcircle.android

import android.Manifest.permission.ACCESS_COARSE_LOCATION
import android.Manifest.permission.ACCESS_FINE_LOCATION
import android.location.LocationManager
import android.os.Looper
import com.medcircle.core.Location
import com.medcircle.core.ProviderException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf

/** One fix from the best enabled provider the permission allows; any other way a typed failure. */
@RunWith(RobolectricTestRunner::class)
class AndroidLocationTest {
    private val app = RuntimeEnvironment.getApplication()
    private val manager = app.getSystemService(LocationManager::class.java)!!

    @Test
    fun one_fix_with_its_accuracy() = runBlocking {
        shadowOf(app).grantPermissions(ACCESS_FINE_LOCATION)
        enableOnly(LocationManager.GPS_PROVIDER)
        val fix = async(start = CoroutineStart.UNDISPATCHED) { AndroidLocation(app).currentLocation() }
        shadowOf(manager).simulateLocation(fixAt(LocationManager.GPS_PROVIDER, accuracy = 8f))
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals(Location(39.9087, 116.3975, 8.0), fix.await())
    }

    @Test
    fun the_provider_follows_the_permission_and_what_is_enabled() {
        enableOnly(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
        assertEquals(LocationManager.GPS_PROVIDER, AndroidLocation.provider(manager, precise = true))
        assertEquals(LocationManager.NETWORK_PROVIDER, AndroidLocation.provider(manager, precise = false))
        shadowOf(manager).setProviderEnabled(LocationManager.FUSED_PROVIDER, true)
        assertEquals(LocationManager.FUSED_PROVIDER, AndroidLocation.provider(manager, precise = true))
        enableOnly()
        assertEquals(null, AndroidLocation.provider(manager, precise = true))
    }

    @Test
    fun no_fix_in_time_is_a_failure() = runBlocking {
        shadowOf(app).grantPermissions(ACCESS_COARSE_LOCATION)
        enableOnly(LocationManager.NETWORK_PROVIDER)
        assertFails("no location fix within 100 ms") { AndroidLocation(app, timeoutMs = 100).currentLocation() }
    }

    @Test
    fun without_permission_or_with_location_off_nothing_is_asked() = runBlocking {
        enableOnly(LocationManager.GPS_PROVIDER)
        assertFails("location permission not granted") { AndroidLocation(app).currentLocation() }
        shadowOf(app).grantPermissions(ACCESS_FINE_LOCATION)
        enableOnly()
        assertFails("location is turned off") { AndroidLocation(app).currentLocation() }
    }

    @Test
    fun a_fix_without_accuracy_is_refused() = runBlocking {
        shadowOf(app).grantPermissions(ACCESS_FINE_LOCATION)
        enableOnly(LocationManager.GPS_PROVIDER)
        val fix = async(start = CoroutineStart.UNDISPATCHED) {
            runCatching { AndroidLocation(app).currentLocation() }.exceptionOrNull()
        }
        shadowOf(manager).simulateLocation(fixAt(LocationManager.GPS_PROVIDER, accuracy = null))
        shadowOf(Looper.getMainLooper()).idle()
        val failure = fix.await()
        assertTrue("got $failure", failure is ProviderException.Failed && failure.detail == "the fix has no accuracy")
    }

    private fun enableOnly(vararg providers: String) {
        for (provider in manager.allProviders) {
            shadowOf(manager).setProviderEnabled(provider, provider in providers)
        }
    }

    private fun fixAt(provider: String, accuracy: Float?) = android.location.Location(provider).apply {
        latitude = 39.9087
        longitude = 116.3975
        time = System.currentTimeMillis()
        elapsedRealtimeNanos = android.os.SystemClock.elapsedRealtimeNanos()
        if (accuracy != null) this.accuracy = accuracy
    }

    private suspend fun assertFails(detail: String, read: suspend () -> Location) {
        val failure = runCatching { read() }.exceptionOrNull()
        assertTrue("got $failure", failure is ProviderException.Failed && failure.detail == detail)
    }
}
