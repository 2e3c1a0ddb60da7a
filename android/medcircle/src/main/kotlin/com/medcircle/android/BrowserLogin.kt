package com.medcircle.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import androidx.activity.result.contract.ActivityResultContract
import androidx.browser.customtabs.CustomTabsClient
import androidx.browser.customtabs.CustomTabsIntent

/**
 * Third-party login's browser hand-off, through the Activity Result API: launch it with the
 * `authorizationUrl` the core returned (`LoginStep.ProviderAuthorization`), and it yields the
 * URL the provider redirected to (send it as `LoginEvent.ProviderCallback`), or null when the
 * user came back without finishing. The page opens in a Custom Tab of the user's browser where
 * one is offered, else in the browser itself: never in a web view (RFC 8252). The core checks
 * the redirect (state, PKCE, the registered redirect URI); this only carries it back.
 */
class BrowserLogin : ActivityResultContract<String, String?>() {
    /** Opens the browser at [input], the authorization URL. */
    override fun createIntent(context: Context, input: String): Intent =
        Intent(context, BrowserLoginActivity::class.java)
            .putExtra(BrowserLoginActivity.EXTRA_AUTHORIZATION_URL, input)

    /** The redirect URL, or null when the user came back without finishing. */
    override fun parseResult(resultCode: Int, intent: Intent?): String? =
        if (resultCode == Activity.RESULT_OK) intent?.dataString else null
}

/**
 * Holds the login's place while the browser shows the provider's page: it opens the browser
 * once, finishes with the redirect when [RedirectActivity] brings it back, and finishes empty
 * when the user returns to the app any other way.
 */
class BrowserLoginActivity : Activity() {
    private var browserOpened = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        browserOpened = savedInstanceState?.getBoolean(STATE_BROWSER_OPENED) ?: false
        // Started by a redirect with no login in progress (a stray link): nothing to do.
        if (intent.getStringExtra(EXTRA_AUTHORIZATION_URL) == null) {
            finishWith(null)
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        // The redirect arrives before the next onResume.
        finishWith(intent.data)
    }

    override fun onResume() {
        super.onResume()
        if (isFinishing) return
        if (browserOpened) {
            // Back from the browser without a redirect: the user gave up.
            finishWith(null)
            return
        }
        browserOpened = true
        val url = Uri.parse(intent.getStringExtra(EXTRA_AUTHORIZATION_URL))
        try {
            startActivity(browserIntent(this, url))
        } catch (e: ActivityNotFoundException) {
            finishWith(null)
        }
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putBoolean(STATE_BROWSER_OPENED, browserOpened)
    }

    private fun finishWith(redirect: Uri?) {
        if (redirect == null) setResult(RESULT_CANCELED) else setResult(RESULT_OK, Intent().setData(redirect))
        finish()
    }

    internal companion object {
        const val EXTRA_AUTHORIZATION_URL = "com.medcircle.android.AUTHORIZATION_URL"
        private const val STATE_BROWSER_OPENED = "browser_opened"

        /** A Custom Tab in a browser that offers them, else a plain view of the URL. */
        fun browserIntent(context: Context, url: Uri): Intent {
            val intent = CustomTabsIntent.Builder().build().intent
            intent.data = url
            CustomTabsClient.getPackageName(context, null)?.let { intent.setPackage(it) }
            return intent
        }
    }
}

/**
 * Receives the provider's redirect to the app's redirect URI (its scheme is the manifest
 * placeholder `medcircleRedirectScheme`) and hands it to the waiting [BrowserLoginActivity].
 */
class RedirectActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        startActivity(
            Intent(this, BrowserLoginActivity::class.java)
                .setData(intent.data)
                .addFlags(Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP),
        )
        finish()
    }
}
