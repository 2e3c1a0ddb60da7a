package com.medcircle

import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Draft
import com.medcircle.core.Feature
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginScreen
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionStatus
import com.medcircle.core.SessionState
import com.medcircle.core.UnavailableReason
import com.medcircle.support.CallbackThread
import com.medcircle.support.ScreenRecorder
import com.medcircle.support.ScriptedPermissions
import com.medcircle.support.ServerTest
import com.medcircle.support.WAIT
import com.medcircle.support.png
import java.io.File
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Object lifetimes across the FFI: what stops an observer, what a closed object does when it
 * is used, what a closed client left on the device (its keys found again in the JVM's session
 * keyring), and that clients opened and closed in a loop leave no core threads behind.
 */
class LifetimeTest : ServerTest() {
    @Test
    fun `a cancelled or closed observer handle stops its callbacks`() = runBlocking {
        val login = openClient().auth().use { it.loginFlow() }
        val cancelled = ScreenRecorder()
        val closed = ScreenRecorder()
        val witness = ScreenRecorder()
        val cancelledHandle = login.observeScreen(cancelled)
        val closedHandle = login.observeScreen(closed)
        val witnessHandle = login.observeScreen(witness)
        listOf(cancelled, closed, witness).forEach { it.next() }

        cancelledHandle.cancel()
        closedHandle.close()
        val atCancel = cancelled.count
        val atClose = closed.count
        // Events the login screen refuses on the device, each changing the screen once.
        for (event in listOf(LoginEvent.ResendSmsCode, LoginEvent.Back, LoginEvent.ResendSmsCode)) {
            val screen = login.send(event)
            witness.until("the screen after $event") { it.sameAs(screen) }
        }

        assertTrue(cancelled.count - atCancel <= 1, "at most one callback in flight at cancel")
        assertTrue(closed.count - atClose <= 1, "at most one callback in flight at close")
        assertTrue(cancelledHandle.isFinished(), "the cancelled observer's task has ended")
        assertThrows(IllegalStateException::class.java) { closedHandle.cancel() }
        listOf(witnessHandle, cancelledHandle, login).forEach { it.close() }
    }

    @Test
    fun `a closed object fails cleanly, and what it handed out lives on`() = runBlocking {
        val client = openClient()
        val auth = client.auth()
        val consent = client.consent()
        client.close()
        client.close()

        assertThrows(IllegalStateException::class.java) { client.auth() }
        assertEquals(SessionState.LoggedOut, auth.sessionState(), "an area outlives the client handle")
        consent.close()
        val thrown = runCatching { consent.status() }.exceptionOrNull()
        assertTrue(thrown is IllegalStateException, "a suspend call on a closed object: $thrown")
        auth.close()
    }

    @Test
    fun `what a closed client kept is there when it is opened again`() = runBlocking {
        val dataDir = newDataDir()
        val os = ScriptedPermissions()
        val draft = Draft(text = "未写完的病例", photos = listOf(png(4096)))
        openClient(dataDir).let { first ->
            first.consent().use { consent ->
                consent.accept(consent.fetchPolicy().version)
                consent.grant(ConsentPurpose.BROWSING_RECORDS)
            }
            logIn(first)
            first.permissions().use { permissions ->
                permissions.setProvider(os)
                permissions.setPositioningEnabled(true)
                val request = async { permissions.request(Feature.POST_PHOTOS) }
                os.dialogs.next().answer { PermissionStatus.DENIED }
                request.await()
            }
            first.feed().use { it.saveDraft(draft) }
            first.finishBackgroundWork(2_000u)
            first.close()
        }

        val second = openClient(dataDir)
        second.auth().use { assertTrue(it.sessionState() is SessionState.LoggedIn, "still logged in") }
        second.consent().use { consent ->
            val granted = consent.purposes().filter { it.granted }.map { it.purpose }
            assertEquals(listOf(ConsentPurpose.BROWSING_RECORDS), granted)
        }
        second.permissions().use { permissions ->
            permissions.setProvider(os)
            assertTrue(permissions.positioningEnabled(), "positioning still on")
            val decision = permissions.check(Feature.POST_PHOTOS)
            val reason = (decision as? PermissionDecision.Unavailable)?.reason
            assertTrue(reason is UnavailableReason.DeniedRecently, "the refusal is remembered: $decision")
        }
        val kept = second.feed().use { it.draft() }
        assertEquals(draft.text, kept.text)
        assertArrayEquals(draft.photos.single(), kept.photos.single())
    }

    @Test
    fun `clients opened and closed in a loop leave no core threads behind`() = runBlocking {
        val before = coreThreads()
        repeat(CLIENTS) {
            val client = openClient()
            client.auth().use { it.sessionState() }
            client.consent().use { it.status() }
            client.finishBackgroundWork(2_000u)
            client.close()
        }
        // A closed client's runtime winds its threads down in the background, and a thread's
        // end is no event a JVM can await: this polls, up to the usual limit.
        val settled = withTimeoutOrNull(WAIT) {
            while (coreThreads() > before + THREADS_PER_CLIENT) delay(20.milliseconds)
            coreThreads()
        }
        assertTrue(settled != null, "$CLIENTS clients left ${coreThreads() - before} core threads running")
    }

    private companion object {
        const val CLIENTS = 12

        /** A live client's runtime: its two workers and a blocking thread or two. */
        const val THREADS_PER_CLIENT = 4

        /** Native threads of this process that the core named. */
        fun coreThreads(): Int =
            File("/proc/self/task").listFiles().orEmpty().count { task ->
                runCatching { File(task, "comm").readText().trim() }.getOrNull() == CallbackThread.CORE
            }

        /** The same screen: a refused event's error carries its reason, and errors have no equality. */
        fun LoginScreen.sameAs(other: LoginScreen): Boolean =
            step == other.step && busy == other.busy && error?.message == other.error?.message &&
                error?.javaClass == other.error?.javaClass
    }
}
