package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.EndReason
import com.medcircle.core.LoginMethod
import com.medcircle.core.NetworkProblem
import com.medcircle.core.NoticeKind
import com.medcircle.core.SessionState
import com.medcircle.support.NoticesRecorder
import com.medcircle.support.ServerTest
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The security center as a Kotlin shell drives it: a second device's login alerts the first,
 * the second signs the first out and the first learns why, a notice marked read, and the
 * minimum version blocking with a typed problem.
 */
class SecurityJourneyTest : ServerTest() {
    @Test
    fun `a new device alerts the first, signs it out, and an outdated build is told to update`() = runBlocking {
        val first = loggedInClient()
        val notices = NoticesRecorder()
        val handle = first.security().observeNotices(notices)
        assertEquals(0u, notices.next().unread, "the first value: nothing to read yet")

        server.devPost("/dev/clock/advance", """{"seconds": 61}""")
        val second = loggedInClient()
        first.security().refreshNotices()
        val alerted = notices.until("a new-login alert") { it.unread == 1u }
        assertEquals(NoticeKind.NEW_LOGIN, alerted.notices.single().kind)

        val sessions = second.security().sessions()
        assertEquals(2, sessions.size)
        assertTrue(sessions.all { it.loginMethod == LoginMethod.SMS && it.device == null })
        second.security().revokeSession(sessions.single { !it.isCurrent }.id)

        assertThrows<AuthException.SessionExpired> { first.auth().whoami() }
        val ended = first.auth().sessionState() as SessionState.Ended
        assertEquals(EndReason.SIGNED_OUT_FROM_ANOTHER_DEVICE, ended.reason)
        assertEquals(0u, ended.unsent)

        val kept = second.security().refreshNotices()
        val read = second.security().markNoticeRead(kept.notices.single().id)
        assertEquals(0u, read.unread)
        assertNull(read.updateRequired)

        server.devPost("/dev/minimum-version", """{"version": "9999.0"}""")
        assertEquals("9999.0", second.security().refreshNotices().updateRequired)
        val refused = assertThrows<AuthException.Network> { second.auth().whoami() }
        assertEquals(NetworkProblem.UpdateRequired("9999.0"), refused.problem)
        second.auth().logout()
        assertEquals(SessionState.LoggedOut, second.auth().sessionState())
        handle.close()
    }
}
