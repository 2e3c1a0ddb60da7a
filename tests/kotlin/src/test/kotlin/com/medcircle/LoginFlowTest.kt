package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginScreen
import com.medcircle.core.LoginStep
import com.medcircle.core.SessionState
import com.medcircle.support.RecordingLoginListener
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.devOidcProvider
import com.medcircle.support.granted
import com.medcircle.support.openClient
import com.medcircle.support.queryParameter
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The login screen as a state machine (`auth.loginFlow()`): the test sends what the user did
 * and checks the screen that comes back, and what an observer of the flow is shown. Failures
 * never throw: they are the returned screen's `error`, and the step stays where it was.
 */
class LoginFlowTest : ServerTest() {

    private val start = LoginScreen(step = LoginStep.Start, busy = false, error = null)

    /** The screen's error, failing unless it is a [T]. */
    private inline fun <reified T : AuthException> assertError(screen: LoginScreen): T =
        screen.error as? T ?: throw AssertionError("expected ${T::class.simpleName} on the screen, got $screen")

    private inline fun <reified T : LoginStep> assertStep(screen: LoginScreen): T {
        if (screen.error != null || screen.busy) throw AssertionError("expected a settled screen, got $screen")
        return screen.step as? T ?: throw AssertionError("expected step ${T::class.simpleName}, got $screen")
    }

    /** The steps [screens] went through, by name, repeats collapsed. */
    private fun stepsOf(screens: List<LoginScreen>): List<String> =
        screens.map { it.step::class.simpleName ?: "?" }
            .fold(listOf()) { steps, step -> if (steps.lastOrNull() == step) steps else steps + step }

    @Test
    fun `a third-party login driven by events, every screen observed`() = runBlocking {
        openClient(server, dataDir, listOf(devOidcProvider(server))).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                auth.loginFlow().use { flow ->
                    assertEquals(start, flow.screen())
                    val listener = RecordingLoginListener()
                    val observer = flow.observe(listener)
                    try {
                        // The first call carries the screen as it is now.
                        val first = listener.screens.await("the current screen") { it.isNotEmpty() }
                        assertEquals(listOf(start), first)

                        // Nothing to go back from at the start: refused, on the screen.
                        val nowhere = flow.send(LoginEvent.Back)
                        assertError<AuthException.UnexpectedLoginEvent>(nowhere)
                        assertEquals(LoginStep.Start, nowhere.step)
                        assertFalse(nowhere.busy)

                        val authorizing = flow.send(LoginEvent.ChooseProvider("dev"))
                        val step = assertStep<LoginStep.ProviderAuthorization>(authorizing)
                        assertEquals("dev", step.provider)
                        assertTrue(step.authorizationUrl.startsWith("${server.url}/dev/oidc/authorize?"), "$step")
                        assertEquals("S256", queryParameter(step.authorizationUrl, "code_challenge_method"))
                        assertEquals(authorizing, flow.screen())

                        // An event this step does not take: the step stays, the error says why.
                        val early = flow.send(LoginEvent.DecideBinding(true))
                        assertError<AuthException.UnexpectedLoginEvent>(early)
                        assertEquals(step, early.step)
                        assertEquals(SessionState.LoggedOut, auth.sessionState())

                        val callback = server.browserAuthorize(step.authorizationUrl, "doctor-li")
                        val confirming = flow.send(LoginEvent.ProviderCallback(callback))
                        val binding = assertStep<LoginStep.ConfirmBinding>(confirming)
                        assertEquals("dev", binding.account.provider)
                        assertEquals("Dr. Demo", binding.account.nickname)
                        val avatar = binding.account.avatarUrl
                            ?: throw AssertionError("the provider has a picture: $binding")
                        assertEquals(SessionState.LoggedOut, auth.sessionState(), "logged in before the user decided")
                        // The observer is shown the question before the user answers it.
                        listener.screens.await("the ConfirmBinding screen") { it.lastOrNull() == confirming }

                        val done = flow.send(LoginEvent.DecideBinding(true))
                        val user = assertStep<LoginStep.LoggedIn>(done).user
                        assertEquals("Dr. Demo", user.nickname)
                        assertEquals(avatar, user.avatarUrl)
                        assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                        assertTrue(client.granted(ConsentPurpose.THIRD_PARTY_SHARING), "binding must be a recorded consent")
                        assertEquals(done, flow.screen())

                        val screens = listener.screens.await("the LoggedIn screen") { it.lastOrNull() == done }
                        assertEquals(start, screens.first())
                        assertTrue(confirming in screens, "screens: $screens")
                        assertEquals(
                            listOf("Start", "ProviderAuthorization", "ConfirmBinding", "LoggedIn"),
                            stepsOf(screens),
                            "screens: $screens",
                        )
                        // A busy screen (a request in flight) carries no error from before.
                        assertTrue(screens.filter { it.busy }.all { it.error == null }, "screens: $screens")

                        // Once logged in, going back is refused and changes nothing.
                        val stay = flow.send(LoginEvent.Back)
                        assertError<AuthException.UnexpectedLoginEvent>(stay)
                        assertEquals(LoginStep.LoggedIn(user), stay.step)
                    } finally {
                        observer.cancel()
                    }
                    observer.close()

                    // A new login screen starts where the session stands.
                    auth.loginFlow().use { again ->
                        val user = (auth.sessionState() as SessionState.LoggedIn).user
                        assertEquals(LoginScreen(LoginStep.LoggedIn(user), busy = false, error = null), again.screen())
                    }
                }
            }
        }
    }

    @Test
    fun `an SMS login driven by events keeps its step on a wrong code and a refused resend`() = runBlocking {
        val phone = "13800139121"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                auth.loginFlow().use { flow ->
                    // A code before one was requested: refused locally.
                    val premature = flow.send(LoginEvent.SubmitSmsCode("123456"))
                    assertError<AuthException.UnexpectedLoginEvent>(premature)
                    assertEquals(LoginStep.Start, premature.step)
                    assertFalse("123456" in (premature.error?.message ?: ""), "the error repeats the code: $premature")
                    assertEquals(emptyList<Any>(), server.devRequests().filter { it.path.startsWith("/v1/auth") })

                    // An invalid number: the error is on the screen, the step stays.
                    val invalid = flow.send(LoginEvent.RequestSmsCode("12345"))
                    assertError<AuthException.InvalidPhone>(invalid)
                    assertEquals(LoginStep.Start, invalid.step)

                    val entering = flow.send(LoginEvent.RequestSmsCode(phone))
                    val step = assertStep<LoginStep.EnterSmsCode>(entering)
                    assertEquals(LoginStep.EnterSmsCode(phoneMasked = "138****9121", cooldownS = 60u, expiresInS = 300u), step)
                    val code = server.devOutboxCode(phone)

                    val wrong = flow.send(LoginEvent.SubmitSmsCode(if (code == "000000") "111111" else "000000"))
                    assertError<AuthException.WrongCode>(wrong)
                    assertEquals(step, wrong.step)
                    assertFalse(wrong.busy)

                    // Within the cooldown the server refuses another code; the step stays.
                    val tooSoon = flow.send(LoginEvent.ResendSmsCode)
                    val limited = assertError<AuthException.RateLimited>(tooSoon)
                    assertTrue(limited.retryAfterS in 1uL..60uL, "retryAfterS = ${limited.retryAfterS}")
                    assertEquals(step, tooSoon.step)
                    assertEquals(code, server.devOutboxCode(phone), "a refused resend texted a code")

                    // After it, a new code is texted to the remembered number.
                    server.devAdvanceClock(61)
                    val resent = flow.send(LoginEvent.ResendSmsCode)
                    assertEquals(step, assertStep<LoginStep.EnterSmsCode>(resent))
                    val newCode = server.devOutboxCode(phone)

                    val done = flow.send(LoginEvent.SubmitSmsCode(newCode))
                    val user = assertStep<LoginStep.LoggedIn>(done).user
                    assertEquals("138****9121", user.phoneMasked)
                    assertNotEquals("", user.id)
                    assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                    assertNull(done.error)

                    val sends = server.devRequests().count { it.path == "/v1/auth/sms/send" }
                    assertEquals(3, sends, "requested, refused resend, resend")
                }
            }
        }
    }
}
