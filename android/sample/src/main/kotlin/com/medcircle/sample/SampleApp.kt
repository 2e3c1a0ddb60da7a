package com.medcircle.sample

import android.app.Application
import android.content.pm.ApplicationInfo
import android.content.pm.PackageManager
import com.medcircle.MedCircleClient
import com.medcircle.android.LogcatSink
import com.medcircle.android.MedCircleAndroid
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.async

/** Opens the one client of the process at start; the activity awaits it. */
class SampleApp : Application() {
    lateinit var client: Deferred<MedCircleClient>
        private set

    override fun onCreate() {
        super.onCreate()
        LogcatSink.install()
        val debuggable = applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE != 0
        client = MainScope().async {
            // A debug build may use the reference server over plain http on loopback
            // (`adb reverse tcp:8080 tcp:8080`); a release build only https.
            MedCircleAndroid.open(this@SampleApp, serverUrl(), dev = debuggable)
        }
    }

    private fun serverUrl(): String =
        packageManager.getApplicationInfo(packageName, PackageManager.GET_META_DATA)
            .metaData.getString("com.medcircle.sample.SERVER_URL")
            ?: error("the manifest names no com.medcircle.sample.SERVER_URL")
}
