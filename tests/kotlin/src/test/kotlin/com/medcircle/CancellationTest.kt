package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.CertificateKind
import com.medcircle.core.CertificationException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Feature
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginStep
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionStatus
import com.medcircle.core.SessionState
import com.medcircle.core.UnavailableReason
import com.medcircle.support.PHONE
import com.medcircle.support.ProgressRecorder
import com.medcircle.support.ScreenRecorder
import com.medcircle.support.ScriptedDevice
import com.medcircle.support.ScriptedPermissions
import com.medcircle.support.ServerTest
import com.medcircle.support.SessionRecorder
import com.medcircle.support.WAIT
import com.medcircle.support.png
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Cancelling the coroutine that awaits a call stops the waiting, never the work: the core
 * finishes what it started and its state says so afterwards. What a user cancels (an upload)
 * takes a `CancelToken`, and that does stop the work.
 */
class CancellationTest : ServerTest() {
    @Test
    fun `a permission request whose caller is cancelled still records the user's answer`() = runBlocking {
        val permissions = consentedClient().permissions()
        val os = ScriptedPermissions()
        permissions.setProvider(os)

        val request = async { permissions.request(Feature.POST_PHOTOS) }
        val dialog = os.dialogs.next()
        withTimeout(WAIT) { request.cancelAndJoin() }
        assertTrue(request.isCancelled)
        dialog.answer { PermissionStatus.DENIED }

        // The gate shows one dialog at a time: this waits for the first to end, and then
        // needs no dialog of its own, because the refusal was recorded.
        val again = withTimeoutOrNull(WAIT) { permissions.request(Feature.POST_PHOTOS) }
            ?: throw AssertionError("a second request did not end: the refusal was not recorded, so it opened a dialog")
        assertDeniedRecently(again)
        assertDeniedRecently(permissions.check(Feature.POST_PHOTOS))
        assertEquals(1, os.dialogs.count, "dialogs shown")
    }

    @Test
    fun `a login whose caller is cancelled during the device report still completes`() = runBlocking {
        val client = consentedClient()
        val auth = client.auth()
        val device = ScriptedDevice(holdReads = true)
        auth.setDeviceInfoProvider(device)
        val login = auth.loginFlow()
        val session = SessionRecorder()
        val screen = ScreenRecorder()
        val handles = listOf(auth.observeSession(session), login.observeScreen(screen))
        login.send(LoginEvent.RequestSmsCode(PHONE))

        val submit = async { login.send(LoginEvent.SubmitSmsCode(server.smsCode(PHONE))) }
        device.reads.next()
        assertFalse(submit.isCompleted, "the login waits for the device report")
        withTimeout(WAIT) { submit.cancelAndJoin() }
        assertTrue(submit.isCancelled)
        device.hold.open()

        session.until("LoggedIn") { it is SessionState.LoggedIn }
        val last = screen.until("the login's end") { it.step is LoginStep.LoggedIn }
        assertFalse(last.busy, "the screen ends not busy")
        assertEquals(null, last.error)
        handles.forEach { it.close() }
    }

    @Test
    fun `an upload cancelled with its token stops with Cancelled`() = runBlocking {
        val client = loggedInClient()
        client.consent().use { it.grant(ConsentPurpose.IDENTITY_VERIFICATION) }
        val certification = client.certification()
        val progress = ProgressRecorder(holdFirstReport = true)
        val cancel = CancelToken()

        val upload = async {
            runCatching { certification.uploadPhoto(CertificateKind.PHYSICIAN, png(1024 * 1024), progress, cancel) }
        }
        val (sent, total) = progress.next()
        assertTrue(sent < total, "cancelled mid-upload: $sent of $total bytes")
        cancel.cancel()
        val outcome = upload.await()
        progress.hold.open()
        val thrown = outcome.exceptionOrNull()
        assertTrue(thrown is CertificationException.Cancelled, "expected Cancelled, got $outcome")
    }

    private fun assertDeniedRecently(decision: PermissionDecision) {
        val reason = (decision as? PermissionDecision.Unavailable)?.reason
        assertTrue(reason is UnavailableReason.DeniedRecently, "expected DeniedRecently, got $decision")
    }
}
