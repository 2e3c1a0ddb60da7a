package com.medcircle.android

import android.content.Context
import com.medcircle.MedCircle
import com.medcircle.core.ClientConfig
import io.crates.keyring.Keyring

/** Opens the core the Android way: secure store bound to the app, data in its private files. */
object MedCircleAndroid {
    suspend fun open(
        context: Context,
        serverUrl: String,
        spkiPins: List<String> = emptyList(),
    ): MedCircle {
        Keyring.initializeNdkContext(context.applicationContext)
        val dataDir = context.noBackupFilesDir.resolve("medcircle").path
        return MedCircle.open(ClientConfig(serverUrl, dataDir, dev = false, spkiPins = spkiPins))
    }
}
