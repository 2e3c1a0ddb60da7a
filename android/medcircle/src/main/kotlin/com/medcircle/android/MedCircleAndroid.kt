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
     *
     * @param serverUrl the API's base URL; `https` unless [dev].
     * @param spkiPins certificate pins (base64 SHA-256 of a SubjectPublicKeyInfo), a backup pin
     *   with the live one; empty: the system of trust alone.
     * @param oauthProviders the OpenID Connect providers offered for third-party login.
     * @param dev a development build: plain `http` is allowed, and only to a loopback server
     *   (the reference server reached through `adb reverse`). Never in a release build.
     */
    suspend fun open(
        context: Context,
        serverUrl: String,
        spkiPins: List<String> = emptyList(),
        oauthProviders: List<OAuthProviderConfig> = emptyList(),
        dev: Boolean = false,
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
                dev = dev,
                spkiPins = spkiPins,
                oauthProviders = oauthProviders,
            ),
        )
        client.auth().use { it.setDeviceInfoProvider(AndroidDeviceInfo(app)) }
        client.permissions().use { it.setLocationProvider(AndroidLocation(app)) }
        return client
    }
}
