package com.medcircle.android

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.location.LocationManager
import android.os.Build
import android.os.CancellationSignal
import androidx.core.location.LocationManagerCompat
import com.medcircle.core.Location
import com.medcircle.core.LocationProvider
import com.medcircle.core.ProviderException
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.coroutines.resume

/**
 * One location fix from [LocationManager], for the core, which asks only when positioning is on,
 * consented and allowed. The fix comes from the fused provider where there is one, else GPS
 * (with precise location) or the network; none within [timeoutMs] is a failure the core
 * treats as "no position" (the application goes on without one). No updates keep running: the
 * request is cancelled when the fix arrives, the time is up or the caller gives up.
 */
class AndroidLocation(
    context: Context,
    private val timeoutMs: Long = 15_000,
) : LocationProvider {
    private val context = context.applicationContext

    /** One fix, or `ProviderException.Failed` saying why not (no permission, location off, no
     * fix in time); called by the core only when positioning allows. */
    override suspend fun currentLocation(): Location {
        val precise = granted(Manifest.permission.ACCESS_FINE_LOCATION)
        if (!precise && !granted(Manifest.permission.ACCESS_COARSE_LOCATION)) {
            throw ProviderException.Failed("location permission not granted")
        }
        val manager = context.getSystemService(LocationManager::class.java)
            ?: throw ProviderException.Failed("no location service")
        val provider = provider(manager, precise)
            ?: throw ProviderException.Failed("location is turned off")
        val fix = withTimeoutOrNull(timeoutMs) { fix(manager, provider) }
            ?: throw ProviderException.Failed("no location fix within $timeoutMs ms")
        if (!fix.hasAccuracy()) {
            throw ProviderException.Failed("the fix has no accuracy")
        }
        return Location(fix.latitude, fix.longitude, fix.accuracy.toDouble())
    }

    private suspend fun fix(manager: LocationManager, provider: String): android.location.Location? =
        suspendCancellableCoroutine { continuation ->
            val signal = CancellationSignal()
            continuation.invokeOnCancellation { signal.cancel() }
            // The consumer runs on the thread that delivers the fix; it only resumes.
            LocationManagerCompat.getCurrentLocation(manager, provider, signal, { it.run() }) {
                continuation.resume(it)
            }
        }

    private fun granted(permission: String) =
        context.checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    internal companion object {
        /** The best enabled provider this permission may use, or null if location is off. */
        fun provider(manager: LocationManager, precise: Boolean): String? {
            val candidates = buildList {
                if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) add(LocationManager.FUSED_PROVIDER)
                if (precise) add(LocationManager.GPS_PROVIDER)
                add(LocationManager.NETWORK_PROVIDER)
            }
            val present = manager.allProviders
            return candidates.firstOrNull { it in present && manager.isProviderEnabled(it) }
        }
    }
}
