package com.medcircle.android

import android.content.Context
import com.medcircle.MedCircleClient
import com.medcircle.core.ClientConfig
import com.medcircle.core.OAuthProviderConfig
import io.crates.keyring.Keyring
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File

/** Opens the core the Android way. */
object MedCircleAndroid {
    /**
     * Where the databases live: under `noBackupFilesDir`, since an encrypted database is useless
     * without its Keystore key, which no backup carries.
     */
    fun dataDirectory(context: Context): File = File(context.noBackupFilesDir, "medcircle")

    /**
     * Binds the secure store to the app, opens the client with its data in [dataDirectory] and
     * registers what needs only a context: device information (read after a login, for risk
     * control) and one location fix (read only as positioning allows). Register an
     * [AndroidPermissions] yourself (`client.permissions().setProvider`): it needs an activity.
     */
    suspend fun open(
        context: Context,
        serverUrl: String,
        spkiPins: List<String> = emptyList(),
        oauthProviders: List<OAuthProviderConfig> = emptyList(),
    ): MedCircleClient {
        val app = context.applicationContext
        // Loading the library and creating the data directory touch the disk: not on the main thread.
        val dataDir = withContext(Dispatchers.IO) {
            Keyring.initializeNdkContext(app)
            dataDirectory(app).path
        }
        val client = MedCircleClient.open(
            ClientConfig(
                serverUrl = serverUrl,
                dataDir = dataDir,
                dev = false,
                spkiPins = spkiPins,
                oauthProviders = oauthProviders,
            ),
        )
        client.auth().use { it.setDeviceInfoProvider(AndroidDeviceInfo(app)) }
        client.permissions().use { it.setLocationProvider(AndroidLocation(app)) }
        return client
    }
}
