package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.Feature
import com.medcircle.core.LogLevel
import com.medcircle.core.SessionState
import com.medcircle.support.CallbackThread
import com.medcircle.support.CertificationRecorder
import com.medcircle.support.FeedRecorder
import com.medcircle.support.FeedStatusRecorder
import com.medcircle.support.LogRecorder
import com.medcircle.support.ProgressRecorder
import com.medcircle.support.QuietLog
import com.medcircle.support.Recording
import com.medcircle.support.ScreenRecorder
import com.medcircle.support.ScriptedDevice
import com.medcircle.support.ScriptedPermissions
import com.medcircle.support.ServerTest
import com.medcircle.support.SessionRecorder
import com.medcircle.support.png
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The core calls the shell back on its own threads (named `medcircle-core`), never on the
 * thread of the caller: a listener must hop to the UI thread itself, and a slow callback never
 * blocks the caller's thread. A synchronous foreign callback runs during the call that needs
 * it: what it recorded is there when the call returns.
 */
class CallbackThreadTest : ServerTest() {
    @AfterEach
    fun quietLogger() = setLogger(QuietLog, LogLevel.ERROR)

    @Test
    fun `every observer is called on the core's threads`() = runBlocking {
        val client = loggedInClient()
        val auth = client.auth()
        val feed = client.feed()
        val session = SessionRecorder()
        val screen = ScreenRecorder()
        val certification = CertificationRecorder()
        val items = FeedRecorder()
        val feedStatus = FeedStatusRecorder()
        val handles = listOf(
            auth.observeSession(session),
            auth.loginFlow().observeScreen(screen),
            client.certification().observeStatus(certification),
            feed.observeItems(items),
            feed.observeStatus(feedStatus),
        )
        listOf(session, screen, certification, items, feedStatus).forEach { it.next() }
        auth.logout()
        session.until("LoggedOut") { it == SessionState.LoggedOut }

        for (recording in listOf(session, screen, certification, items, feedStatus)) {
            assertOnCoreThreads(recording)
        }
        handles.forEach { it.close() }
    }

    @Test
    fun `synchronous foreign callbacks run on the core's threads while the caller awaits`() = runBlocking {
        val log = LogRecorder()
        setLogger(log, LogLevel.INFO)
        val client = consentedClient()
        val os = ScriptedPermissions()
        val device = ScriptedDevice()
        client.permissions().setProvider(os)
        client.auth().setDeviceInfoProvider(device)

        val permissions = client.permissions()
        permissions.check(Feature.POST_PHOTOS)
        assertEquals(1, os.statusReads.count, "the OS status is read during check")
        permissions.setPositioningEnabled(true)
        val (_, switched) = log.delivered.single { (line, _) -> "positioning switched" in line }

        logIn(client)
        assertEquals(1, device.reads.count, "the device is read during the login")
        val progress = ProgressRecorder()
        val photo = png(200 * 1024)
        CancelToken().use { cancel -> client.feed().publish("带图的帖子", listOf(photo), progress, cancel) }
        val size = photo.size.toULong()
        assertEquals(size to size, progress.delivered.last().first, "the last report, before publish returned")

        assertOnCoreThreads(os.statusReads)
        assertOnCoreThreads(device.reads)
        assertOnCoreThreads(progress)
        assertEquals(CallbackThread.CORE, switched.nativeName, "native thread of the log line")
    }

    /** Every value [recording] got arrived on a core thread; runs on the caller's thread. */
    private fun assertOnCoreThreads(recording: Recording<*>) {
        val caller = Thread.currentThread()
        assertTrue(recording.count > 0, "nothing was delivered")
        for (thread in recording.threads) {
            assertEquals(CallbackThread.CORE, thread.nativeName, "native thread of a callback")
            assertTrue(thread.java != caller, "a callback ran on the caller's thread ${caller.name}")
        }
    }
}
