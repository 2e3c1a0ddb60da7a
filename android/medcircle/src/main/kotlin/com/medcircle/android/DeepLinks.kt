package com.medcircle.android

import android.content.Intent
import android.net.Uri

/**
 * A link that opened the app, sorted by what it is for. Only the shape is checked here; what a
 * link carries is checked by the core before anything is sent (a web login's id and version by
 * `Auth.scanWebLogin`).
 */
sealed interface DeepLink {
    /** A web login's QR code, opened outside the app (by the system camera, say): pass
     * [payload] to `Auth.scanWebLogin`, exactly as a code scanned in the app.
     * @property payload the whole link, as the QR code holds it. */
    data class WebLogin(val payload: String) : DeepLink

    /** A post's share link, `https://<share host>/p/<code>`.
     * @property code the share code, for the feed to open the post. */
    data class SharedPost(val code: String) : DeepLink

    /** Reading a link from an intent. */
    companion object {
        private const val WEB_LOGIN_SCHEME = "medcircle"
        private const val WEB_LOGIN_HOST = "web-login"
        /** Share codes are 12 random bytes, base64url without padding. */
        private val SHARE_CODE = Regex("[A-Za-z0-9_-]{16}")

        /** The link an `ACTION_VIEW` intent carries, if it is one of ours. */
        fun from(intent: Intent, shareHost: String): DeepLink? =
            intent.takeIf { it.action == Intent.ACTION_VIEW }?.data?.let { parse(it, shareHost) }

        /** [uri] as one of the app's links; [shareHost] is the host share links are made on
         * (the API server's). Anything else is null. */
        fun parse(uri: Uri, shareHost: String): DeepLink? = when {
            uri.scheme == WEB_LOGIN_SCHEME && uri.host == WEB_LOGIN_HOST -> WebLogin(uri.toString())
            uri.scheme == "https" && uri.host.equals(shareHost, ignoreCase = true) &&
                uri.port == -1 && uri.query == null && uri.fragment == null -> sharedPost(uri.pathSegments)
            else -> null
        }

        private fun sharedPost(segments: List<String>): SharedPost? =
            segments.takeIf { it.size == 2 && it[0] == "p" && SHARE_CODE.matches(it[1]) }
                ?.let { SharedPost(it[1]) }
    }
}
