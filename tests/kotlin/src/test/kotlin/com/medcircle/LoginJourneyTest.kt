package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.SessionState
import com.medcircle.support.RecordingSessionListener
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.assertLoggedIn
import com.medcircle.support.assertLoggedOut
import com.medcircle.support.expectThrows
import com.medcircle.support.openClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Request a code, fail once, log in, follow the session, log out. */
class LoginJourneyTest : ServerTest() {

    @Test
    fun `sms login, observed session, whoami and logout`() = runBlocking {
        val phone = "13800138000"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                val listener = RecordingSessionListener()
                val observer = auth.observeSession(listener)
                try {
                    assertLoggedOut(listener.next())
                    assertEquals(SessionState.LoggedOut, auth.sessionState())

                    val sent = auth.requestSmsCode(phone)
                    assertEquals(60u, sent.cooldownS)
                    val code = server.devOutboxCode(phone)
                    assertTrue(Regex("\\d{6}").matches(code), "code: $code")

                    val wrongCode = if (code == "000000") "111111" else "000000"
                    val wrong = expectThrows<AuthException.WrongCode> { auth.verifySmsCode(phone, wrongCode) }
                    assertEquals(4u, wrong.attemptsLeft)
                    assertEquals(SessionState.LoggedOut, auth.sessionState())

                    val user = auth.verifySmsCode(phone, code)
                    assertEquals("138****8000", user.phoneMasked)
                    assertTrue(user.id.isNotBlank(), "user: $user")
                    val now = System.currentTimeMillis() / 1000
                    assertTrue(user.createdAt in (now - 300)..(now + 300), "createdAt ${user.createdAt} vs now $now")

                    assertEquals(user, assertLoggedIn(listener.next()))
                    assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                    val me = auth.whoami()
                    assertEquals(user.id, me.id)
                    assertEquals("138****8000", me.phoneMasked)

                    val outcome = auth.logout()
                    assertTrue(outcome.revokedOnServer, "logout: $outcome")
                    assertLoggedOut(listener.next())
                    assertEquals(SessionState.LoggedOut, auth.sessionState())

                    expectThrows<AuthException.NotLoggedIn> { auth.whoami() }

                    val paths = server.devRequests().map { it.path }
                    assertEquals(1, paths.count { it == "/v1/auth/sms/send" }, "requests: $paths")
                    assertEquals(2, paths.count { it == "/v1/auth/sms/verify" }, "requests: $paths")
                    // whoami after logout is answered locally: logout is the last request.
                    assertEquals(SeenRequest("POST", "/v1/auth/logout"), server.devRequests().last(), "requests: $paths")
                } finally {
                    observer.cancel()
                }
                // The observer stops once cancelled and delivers nothing more.
                val deadline = System.nanoTime() + 5_000_000_000L
                while (!observer.isFinished() && System.nanoTime() < deadline) Thread.sleep(10)
                assertTrue(observer.isFinished(), "observer still running after cancel")
                assertEquals(emptyList<SessionState>(), listener.pending())
                observer.close()
            }
        }
    }
}
