package io.crates.keyring

import android.content.Context

/**
 * Hands the application context to the Keystore-backed secure store inside libmedcircle_ffi
 * (android-native-keyring-store binds this exact class name over JNI).
 */
class Keyring {
    /** The native entry point. */
    companion object {
        init {
            System.loadLibrary("medcircle_ffi")
        }

        /** Gives the native secure store the app's context (once, before the client opens). */
        external fun initializeNdkContext(context: Context)
    }
}
