package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.SessionState
import com.medcircle.support.BrowserSession
import com.medcircle.support.BrowserWebLoginStatus
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.expectThrows
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import com.medcircle.support.timed
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Scan-to-login on the web: the test plays the browser (`POST /web/login`, then polling its
 * status, as the web page does) and the phone (the core, logged in), which scans the QR code's
 * text, sees who is asking (from the server, never from the code) and confirms or declines.
 * Confirming needs a recent authentication (step-up by SMS).
 */
class WebLoginTest : ServerTest() {

    private val browser = "Mozilla/5.0 (SuiteBrowser)"

    private fun pending() = BrowserWebLoginStatus("pending", null)
    private fun scanned() = BrowserWebLoginStatus("scanned", null)

    @Test
    fun `the phone sees who asks, confirms, and the code is then used`() = runBlocking {
        val phone = "13800138090"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            val user = client.loginWithSms(server, phone)
            client.auth().use { auth ->
                val (login, askedWithin) = timed { server.browserStartWebLogin(browser) }
                assertEquals(120L, login.expiresInS)
                assertTrue(Regex("wl_[0-9a-f]{32}").matches(login.id), "id: ${login.id}")
                assertEquals("medcircle://web-login?id=${login.id}&v=1", login.payload)
                assertEquals(pending(), server.browserWebLoginStatus(login))

                val request = auth.scanWebLogin(login.payload)
                assertEquals(login.id, request.id)
                assertEquals(browser, request.browser)
                assertEquals("127.0.x.x", request.ip)
                assertEquals("Loopback", request.place)
                assertTrue(request.requestedAt in askedWithin, "requestedAt ${request.requestedAt} outside $askedWithin")
                assertEquals(request.requestedAt + 120, request.expiresAt)
                assertEquals(scanned(), server.browserWebLoginStatus(login))

                auth.confirmWebLogin(login.id)
                assertEquals(
                    BrowserWebLoginStatus("confirmed", BrowserSession(userId = user.id, nickname = user.nickname)),
                    server.browserWebLoginStatus(login),
                )
                assertEquals("Doctor 8090", user.nickname)
                // Logging the browser in leaves the phone's own session alone.
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                // A code is good for one login only.
                expectThrows<AuthException.WebLoginUsed> { auth.scanWebLogin(login.payload) }
                expectThrows<AuthException.WebLoginUsed> { auth.confirmWebLogin(login.id) }
                assertEquals(user.id, server.browserWebLoginStatus(login).session?.userId)

                val phoneSide = server.devRequests().filter { it.path.startsWith("/v1/web-logins") }
                assertEquals(
                    listOf(
                        SeenRequest("GET", "/v1/web-logins/${login.id}"),
                        SeenRequest("POST", "/v1/web-logins/${login.id}/confirm"),
                        SeenRequest("GET", "/v1/web-logins/${login.id}"),
                        SeenRequest("POST", "/v1/web-logins/${login.id}/confirm"),
                    ),
                    phoneSide,
                )
            }
        }
    }

    @Test
    fun `a hostile code is refused on the phone and never reaches the server`() = runBlocking {
        val phone = "13800138091"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, phone)
            client.auth().use { auth ->
                val login = server.browserStartWebLogin(browser)
                val id = login.id
                val tooLong = login.payload + "&pad=" + "a".repeat(10_000 - login.payload.length - 5)
                assertEquals(10_000, tooLong.length)
                val hostile = listOf(
                    // Another scheme, another host.
                    "https://medcircle.example/web-login?id=$id&v=1" to "not a MedCircle login code",
                    "medcircle://evil.example?id=$id&v=1" to "not a MedCircle login code",
                    "medcircle://web-login.evil.example?id=$id&v=1" to "not a MedCircle login code",
                    // An extra parameter, a repeated one.
                    "medcircle://web-login?id=$id&v=1&next=https://evil.example" to "malformed login code",
                    "medcircle://web-login?id=$id&v=1&id=$id" to "malformed login code",
                    // Malformed ids.
                    "medcircle://web-login?id=wl_zz&v=1" to "malformed login code",
                    "medcircle://web-login?id=wl_../../etc&v=1" to "malformed login code",
                    "medcircle://web-login?id=${id.uppercase().replace("WL_", "wl_")}&v=1" to "malformed login code",
                    // 10 000 characters, a genuine code at their start.
                    tooLong to "too long to be a MedCircle login code",
                    "x".repeat(10_000) to "too long to be a MedCircle login code",
                )
                for ((payload, reason) in hostile) {
                    val refused = expectThrows<AuthException.InvalidQrCode> { auth.scanWebLogin(payload) }
                    assertEquals(reason, refused.reason, "payload: ${payload.take(80)}")
                }

                val seen = server.devRequests()
                assertTrue(seen.none { it.path.startsWith("/v1/web-logins") }, "requests: $seen")
                assertEquals(pending(), server.browserWebLoginStatus(login))

                // The refusals were the codes': the genuine one is read from the server.
                val request = auth.scanWebLogin(login.payload)
                assertEquals(id, request.id)
                assertEquals(browser, request.browser)
                assertEquals(scanned(), server.browserWebLoginStatus(login))
                assertEquals(
                    listOf(SeenRequest("GET", "/v1/web-logins/$id")),
                    server.devRequests().filter { it.path.startsWith("/v1/web-logins") },
                )
            }
        }
    }

    @Test
    fun `declining leaves the browser logged out`() = runBlocking {
        val phone = "13900139092"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                val user = auth.loginWithCarrierToken(server.devCarrierToken(phone, "China Unicom").token)
                val login = server.browserStartWebLogin(browser)

                val request = auth.scanWebLogin(login.payload)
                assertEquals(browser, request.browser)
                assertEquals("Loopback", request.place)
                assertEquals(scanned(), server.browserWebLoginStatus(login))

                auth.declineWebLogin(login.id)
                assertEquals(BrowserWebLoginStatus("declined", null), server.browserWebLoginStatus(login))
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                // Declined is final: neither a second scan nor a confirm logs the browser in.
                expectThrows<AuthException.WebLoginUsed> { auth.scanWebLogin(login.payload) }
                expectThrows<AuthException.WebLoginUsed> { auth.confirmWebLogin(login.id) }
                assertEquals(BrowserWebLoginStatus("declined", null), server.browserWebLoginStatus(login))

                val paths = server.devRequests().map { it.path }
                assertEquals(1, paths.count { it == "/v1/web-logins/${login.id}/decline" }, "requests: $paths")
            }
        }
    }

    @Test
    fun `confirming needs a recent authentication, renewed by an SMS code`() = runBlocking {
        val phone = "13700137093"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                // One-tap: no SMS before the step-up, so the outbox holds only its code.
                val user = auth.loginWithCarrierToken(server.devCarrierToken(phone, "China Mobile").token)
                server.devAdvanceClock(301)

                // The browser asks after the clock moved, so its own 120 s are not over.
                val login = server.browserStartWebLogin(browser)
                val request = auth.scanWebLogin(login.payload)
                assertEquals(login.id, request.id)
                assertEquals(scanned(), server.browserWebLoginStatus(login))

                expectThrows<AuthException.ReauthRequired> { auth.confirmWebLogin(login.id) }
                assertEquals(scanned(), server.browserWebLoginStatus(login))
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                val sent = auth.requestReauthCode(phone)
                assertEquals(60u, sent.cooldownS)
                assertEquals(300u, sent.expiresInS)
                val code = server.devOutboxCode(phone)
                assertTrue(Regex("\\d{6}").matches(code), "code: $code")
                auth.reauthenticate(phone, code)

                auth.confirmWebLogin(login.id)
                assertEquals(
                    BrowserWebLoginStatus("confirmed", BrowserSession(userId = user.id, nickname = user.nickname)),
                    server.browserWebLoginStatus(login),
                )
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                val requests = server.devRequests().filter { it.path.startsWith("/v1/") && it.path != "/v1/policy" }
                val confirm = SeenRequest("POST", "/v1/web-logins/${login.id}/confirm")
                assertEquals(
                    listOf(
                        SeenRequest("GET", "/v1/web-logins/${login.id}"),
                        confirm,
                        SeenRequest("POST", "/v1/auth/reauth/sms/send"),
                        SeenRequest("POST", "/v1/auth/reauth/sms/verify"),
                        confirm,
                    ),
                    requests.dropWhile { it.path != "/v1/web-logins/${login.id}" },
                    "requests: $requests",
                )
            }
        }
    }
}
