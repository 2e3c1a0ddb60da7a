package com.medcircle.android

import android.app.Activity
import android.content.Intent
import android.net.Uri
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf

/** The browser hand-off: the page opens once in a Custom Tab, the redirect comes back as the
 * result, and coming back any other way is a cancellation. */
@RunWith(RobolectricTestRunner::class)
class BrowserLoginTest {
    private val app = RuntimeEnvironment.getApplication()
    private val authorization = "https://id.example.org/authorize?client_id=medcircle&state=s1&code_challenge=c"
    private val redirect = "com.medcircle.app:/oauth/callback?code=abc&state=s1"

    @Test
    fun the_contract_carries_the_url_in_and_the_redirect_out() {
        val contract = BrowserLogin()
        val intent = contract.createIntent(app, authorization)
        assertEquals(BrowserLoginActivity::class.java.name, intent.component?.className)
        assertEquals(authorization, intent.getStringExtra(BrowserLoginActivity.EXTRA_AUTHORIZATION_URL))
        assertEquals(redirect, contract.parseResult(Activity.RESULT_OK, Intent().setData(Uri.parse(redirect))))
        assertEquals(null, contract.parseResult(Activity.RESULT_CANCELED, null))
        assertEquals(null, contract.parseResult(Activity.RESULT_OK, null))
    }

    @Test
    fun the_page_opens_in_a_custom_tab_and_the_redirect_is_the_result() {
        val controller = Robolectric.buildActivity(BrowserLoginActivity::class.java, loginIntent()).setup()
        val activity = controller.get()
        val opened = shadowOf(activity).nextStartedActivity
        assertEquals(Intent.ACTION_VIEW, opened.action)
        assertEquals(authorization, opened.dataString)
        assertTrue("a Custom Tab intent", opened.hasExtra("android.support.customtabs.extra.SESSION"))

        controller.pause().stop()
        controller.newIntent(Intent(app, BrowserLoginActivity::class.java).setData(Uri.parse(redirect)))
        assertTrue(activity.isFinishing)
        assertEquals(Activity.RESULT_OK, shadowOf(activity).resultCode)
        assertEquals(redirect, shadowOf(activity).resultIntent.dataString)
    }

    @Test
    fun back_in_the_app_without_a_redirect_is_a_cancellation() {
        val controller = Robolectric.buildActivity(BrowserLoginActivity::class.java, loginIntent()).setup()
        controller.pause().stop().restart().resume()
        assertTrue(controller.get().isFinishing)
        assertEquals(Activity.RESULT_CANCELED, shadowOf(controller.get()).resultCode)
    }

    @Test
    fun a_recreated_activity_does_not_open_the_page_twice() {
        val controller = Robolectric.buildActivity(BrowserLoginActivity::class.java, loginIntent()).setup()
        shadowOf(controller.get()).nextStartedActivity
        val recreated = controller.pause().stop().recreate().get()
        assertEquals(null, shadowOf(recreated).nextStartedActivity)
        assertTrue(recreated.isFinishing)
        assertEquals(Activity.RESULT_CANCELED, shadowOf(recreated).resultCode)
    }

    @Test
    fun a_stray_redirect_opens_nothing() {
        val stray = Intent(app, BrowserLoginActivity::class.java).setData(Uri.parse(redirect))
        val activity = Robolectric.buildActivity(BrowserLoginActivity::class.java, stray).setup().get()
        assertEquals(null, shadowOf(activity).nextStartedActivity)
        assertTrue(activity.isFinishing)
        assertEquals(Activity.RESULT_CANCELED, shadowOf(activity).resultCode)
    }

    @Test
    fun the_redirect_activity_hands_the_redirect_to_the_waiting_login() {
        val incoming = Intent(Intent.ACTION_VIEW, Uri.parse(redirect))
        val activity = Robolectric.buildActivity(RedirectActivity::class.java, incoming).setup().get()
        val forwarded = shadowOf(activity).nextStartedActivity
        assertEquals(BrowserLoginActivity::class.java.name, forwarded.component?.className)
        assertEquals(redirect, forwarded.dataString)
        val flags = Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP
        assertEquals(flags, forwarded.flags and flags)
        assertTrue(activity.isFinishing)
    }

    private fun loginIntent() = BrowserLogin().createIntent(app, authorization)
}
