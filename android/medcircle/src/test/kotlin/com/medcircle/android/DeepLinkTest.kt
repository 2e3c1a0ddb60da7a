package com.medcircle.android

import android.content.Intent
import android.net.Uri
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner

@RunWith(RobolectricTestRunner::class)
class DeepLinkTest {
    private val host = "api.medcircle.example"
    private val webLogin = "medcircle://web-login?id=wl_0123456789abcdef0123456789abcdef&v=1"

    @Test
    fun a_web_login_code_goes_to_the_core_whole() {
        assertEquals(DeepLink.WebLogin(webLogin), parse(webLogin))
        // The core checks the rest (id, version, extras): the shell passes it on as it came.
        val odd = "medcircle://web-login?id=x&v=9"
        assertEquals(DeepLink.WebLogin(odd), parse(odd))
    }

    @Test
    fun a_share_link_gives_its_code() {
        assertEquals(DeepLink.SharedPost("AbCdEfGh_-012345"), parse("https://$host/p/AbCdEfGh_-012345"))
        assertEquals(DeepLink.SharedPost("AbCdEfGh_-012345"), parse("https://API.MEDCIRCLE.EXAMPLE/p/AbCdEfGh_-012345"))
    }

    @Test
    fun anything_else_is_not_ours() {
        for (link in listOf(
            "http://$host/p/AbCdEfGh_-012345",
            "https://evil.example/p/AbCdEfGh_-012345",
            "https://$host.evil.example/p/AbCdEfGh_-012345",
            "https://$host:8443/p/AbCdEfGh_-012345",
            "https://$host/p/AbCdEfGh_-01234",
            "https://$host/p/AbCdEfGh_-0123456",
            "https://$host/p/AbCdEfGh+-012345",
            "https://$host/q/AbCdEfGh_-012345",
            "https://$host/p/AbCdEfGh_-012345/more",
            "https://$host/p/AbCdEfGh_-012345?next=https://evil",
            "https://$host/p/AbCdEfGh_-012345#x",
            "medcircle://evil?id=x",
            "other://web-login?id=x",
        )) {
            assertEquals(link, null, parse(link))
        }
    }

    @Test
    fun only_a_view_intent_carries_a_link() {
        assertEquals(DeepLink.WebLogin(webLogin), DeepLink.from(Intent(Intent.ACTION_VIEW, Uri.parse(webLogin)), host))
        assertEquals(null, DeepLink.from(Intent(Intent.ACTION_SEND, Uri.parse(webLogin)), host))
        assertEquals(null, DeepLink.from(Intent(Intent.ACTION_VIEW), host))
    }

    private fun parse(link: String) = DeepLink.parse(Uri.parse(link), host)
}
