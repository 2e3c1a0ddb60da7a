package com.medcircle.android

import com.medcircle.FfiConverterTypeCertificationStatusListener
import com.medcircle.FfiConverterTypeFeedListener
import com.medcircle.FfiConverterTypeFeedStatusListener
import com.medcircle.FfiConverterTypeLoginScreenListener
import com.medcircle.FfiConverterTypeSecurityNoticesListener
import com.medcircle.FfiConverterTypeSessionListener
import com.medcircle.MedCircleClient
import com.medcircle.core.AuthException
import com.medcircle.core.CancelToken
import com.medcircle.core.CertificationState
import com.medcircle.core.ClientConfig
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginStep
import com.medcircle.core.SessionState
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import java.nio.file.Files
import java.nio.file.Path

/**
 * The flows over a real client (the native library through JNA, its stores in a temporary
 * directory; no server: what is observed here changes without one). Each flow starts with the
 * current value, follows changes, and when its collector stops the core releases its listener
 * (counted in the generated handle maps, which hold each listener the core still has).
 */
class FlowsTest {
    private lateinit var dataDir: Path
    private lateinit var client: MedCircleClient

    @Before
    fun open() = runBlocking {
        dataDir = Files.createTempDirectory("medcircle-flows")
        // Port 9 (discard) on loopback: nothing here reaches a server.
        client = MedCircleClient.open(ClientConfig("http://127.0.0.1:9", dataDir.toString(), dev = true, spkiPins = listOf()))
    }

    @After
    fun close() {
        client.close()
        dataDir.toFile().deleteRecursively()
    }

    @Test
    fun each_flow_starts_with_the_current_value_and_releases_its_listener() = runBlocking {
        assertEquals(SessionState.LoggedOut, firstAndRelease(client.auth().sessionFlow(), sessionListeners))
        val screen = firstAndRelease(client.auth().loginFlow().screenFlow(), screenListeners)
        assertEquals(LoginStep.Start, screen.step)
        assertEquals(emptyList<Any>(), firstAndRelease(client.feed().itemsFlow(), feedListeners))
        assertEquals(false, firstAndRelease(client.feed().statusFlow(), feedStatusListeners).offline)
        assertEquals(
            CertificationState.NotSubmitted,
            firstAndRelease(client.certification().statusFlow(), certificationListeners).state,
        )
        val notices = firstAndRelease(client.security().noticesFlow(), noticesListeners)
        assertEquals(emptyList<Any>(), notices.notices)
        assertEquals(0u, notices.unread)
        assertEquals(0u, firstAndRelease(client.security().unreadNoticesFlow(), noticesListeners))
    }

    @Test
    fun the_login_screen_flow_follows_the_flow() = runBlocking {
        val login = client.auth().loginFlow()
        val screens = Channel<com.medcircle.core.LoginScreen>(Channel.UNLIMITED)
        coroutineScope {
            val collecting = launch(Dispatchers.Default) { login.screenFlow().collect { screens.send(it) } }
            assertEquals(LoginStep.Start, withTimeout(TIMEOUT) { screens.receive() }.step)
            assertEquals(1, screenListeners())
            // A malformed number fails locally: the screen stays at the start, with the error.
            login.send(LoginEvent.RequestSmsCode("12"))
            val failed = withTimeout(TIMEOUT) {
                var screen = screens.receive()
                while (screen.error == null || screen.busy) screen = screens.receive()
                screen
            }
            assertEquals(LoginStep.Start, failed.step)
            assertTrue("got ${failed.error}", failed.error is AuthException.InvalidPhone)
            collecting.cancelAndJoin()
        }
        awaitReleased(screenListeners)
    }

    @Test
    fun state_flows_hold_the_current_value_before_any_collector() = runBlocking {
        coroutineScope {
            val session = client.auth().sessionStateFlow(this)
            assertEquals(SessionState.LoggedOut, session.value)
            val screen = client.auth().loginFlow().screenStateFlow(this)
            assertEquals(LoginStep.Start, screen.value.step)
            val notices = client.security().noticesStateFlow(this)
            assertEquals(null, notices.value)
            assertEquals(0, sessionListeners() + screenListeners() + noticesListeners())
            coroutineContext.cancelChildren()
        }
    }

    @Test
    fun a_cancelled_coroutine_cancels_the_upload_token() = runBlocking {
        CancelToken().use { token ->
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { cancelling(token) { awaitCancellation() } }
            assertFalse(token.isCancelled())
            waiting.cancelAndJoin()
            assertTrue(token.isCancelled())
        }
        CancelToken().use { token ->
            assertEquals(7, cancelling(token) { 7 })
            runCatching { cancelling(token) { error("upload failed") } }
            assertFalse("only cancellation cancels the token", token.isCancelled())
        }
    }

    /** The flow's first value; by then its listener is registered, and after it, released. */
    private suspend fun <T> firstAndRelease(flow: Flow<T>, listeners: () -> Int): T {
        assertEquals(0, listeners())
        val first = withTimeout(TIMEOUT) { flow.first() }
        awaitReleased(listeners)
        return first
    }

    private suspend fun awaitReleased(listeners: () -> Int) = withTimeout(TIMEOUT) {
        while (listeners() != 0) delay(10)
    }

    private val sessionListeners = { FfiConverterTypeSessionListener.handleMap.size }
    private val screenListeners = { FfiConverterTypeLoginScreenListener.handleMap.size }
    private val feedListeners = { FfiConverterTypeFeedListener.handleMap.size }
    private val feedStatusListeners = { FfiConverterTypeFeedStatusListener.handleMap.size }
    private val certificationListeners = { FfiConverterTypeCertificationStatusListener.handleMap.size }
    private val noticesListeners = { FfiConverterTypeSecurityNoticesListener.handleMap.size }

    private companion object {
        const val TIMEOUT = 20_000L
    }
}
