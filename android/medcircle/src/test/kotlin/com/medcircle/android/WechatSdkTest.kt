package com.medcircle.android

import android.content.Intent
import com.medcircle.core.ProviderException
import com.tencent.mm.opensdk.openapi.IWXAPIEventHandler
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

/** WeChat's real OpenSDK under Robolectric, on a device without WeChat. */
@RunWith(RobolectricTestRunner::class)
class WechatSdkTest {
    @Test
    fun without_wechat_the_real_sdk_fails_before_sending() = runBlocking {
        val login = WechatLogin.create(RuntimeEnvironment.getApplication(), "wxd0medcircle0app")
        try {
            login.authorize("snsapi_userinfo", "state-1")
            fail("WeChat is not installed here")
        } catch (failure: ProviderException.Failed) {
            assertEquals(WECHAT_NOT_INSTALLED, failure.detail)
        }
    }

    @Test
    fun the_entry_activity_hands_the_intent_to_the_login_and_finishes() {
        val intent = Intent().putExtra("_wxapi_command_type", 1)
        val controller = Robolectric.buildActivity(EntryActivity::class.java, intent).setup()
        assertTrue(controller.get().isFinishing)
        assertEquals(1, handled.single().getIntExtra("_wxapi_command_type", 0))
        assertSame(EntryActivity.login, handledBy.single())
    }

    class EntryActivity : WechatEntryActivity() {
        override val wechatLogin: WechatLogin get() = login

        companion object {
            val login = WechatLogin(RecordingApi)
        }
    }

    /** An SDK that records what the activity hands it. */
    private object RecordingApi : QuietWechatApi() {
        override fun handleIntent(intent: Intent, handler: IWXAPIEventHandler): Boolean {
            handled += intent
            handledBy += handler
            return true
        }
    }

    private companion object {
        val handled = mutableListOf<Intent>()
        val handledBy = mutableListOf<IWXAPIEventHandler>()
    }
}
