package io.crates.keyring

import android.content.Context

/**
 * Hands the application context to the Keystore-backed secure store inside libmedcircle_ffi
 * (android-native-keyring-store binds this exact class name over JNI).
 */
class Keyring {
    companion object {
        init {
            System.loadLibrary("medcircle_ffi")
        }

        external fun initializeNdkContext(context: Context)
    }
}
