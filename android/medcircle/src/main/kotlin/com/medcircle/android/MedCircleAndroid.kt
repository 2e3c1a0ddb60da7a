package com.medcircle.android

import android.content.Context
import com.medcircle.MedCircleClient
import com.medcircle.core.ClientConfig
import io.crates.keyring.Keyring

/** Opens the core the Android way: secure store bound to the app, data in its private files. */
object MedCircleAndroid {
    suspend fun open(
        context: Context,
        serverUrl: String,
        spkiPins: List<String> = emptyList(),
    ): MedCircleClient {
        Keyring.initializeNdkContext(context.applicationContext)
        val dataDir = context.noBackupFilesDir.resolve("medcircle").path
        return MedCircleClient.open(ClientConfig(serverUrl, dataDir, dev = false, spkiPins = spkiPins))
    }
}
