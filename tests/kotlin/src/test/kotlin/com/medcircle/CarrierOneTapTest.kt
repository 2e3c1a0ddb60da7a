package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.DeviceInfo
import com.medcircle.core.DeviceOs
import com.medcircle.core.NetworkType
import com.medcircle.core.SessionState
import com.medcircle.support.RecordingSessionListener
import com.medcircle.support.RiskDevice
import com.medcircle.support.ScriptedDevice
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.assertLoggedIn
import com.medcircle.support.assertLoggedOut
import com.medcircle.support.expectThrows
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import com.medcircle.support.timed
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Carrier one-tap login with the token the carrier's SDK yields (played by the server's
 * `/dev/carrier/token`): a token logs in once, a tampered, expired or pre-consent one logs
 * nobody in, and every login reports the device to the risk endpoint.
 */
class CarrierOneTapTest : ServerTest() {

    private fun masked(phone: String) = phone.take(3) + "****" + phone.takeLast(4)

    private val oneTap = "/v1/auth/one-tap"

    @Test
    fun `one-tap login, a token used only once, and SMS login reaching the same account`() = runBlocking {
        val phone = "13800138000"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                val listener = RecordingSessionListener()
                val observer = auth.observeSession(listener)
                try {
                    assertLoggedOut(listener.next())

                    val minted = server.devCarrierToken(phone, "China Mobile")
                    assertEquals(120L, minted.expiresInS)

                    val user = auth.loginWithCarrierToken(minted.token)
                    assertEquals("138****8000", user.phoneMasked)
                    assertEquals(masked(phone), user.phoneMasked)
                    assertTrue(user.id.isNotBlank(), "user: $user")
                    val now = System.currentTimeMillis() / 1000
                    assertTrue(user.createdAt in (now - 300)..(now + 300), "createdAt ${user.createdAt} vs now $now")

                    assertEquals(user, assertLoggedIn(listener.next()))
                    assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                    assertEquals(user, auth.whoami())

                    // The carrier's token is good for one login only; refusing it leaves the session alone.
                    expectThrows<AuthException.CarrierTokenUsed> { auth.loginWithCarrierToken(minted.token) }
                    assertEquals(SessionState.LoggedIn(user), auth.sessionState())

                    assertTrue(auth.logout().revokedOnServer, "logout")
                    assertLoggedOut(listener.next())
                    // Logged out it is still used: the refusal is the token's, not the session's.
                    expectThrows<AuthException.CarrierTokenUsed> { auth.loginWithCarrierToken(minted.token) }
                    assertEquals(SessionState.LoggedOut, auth.sessionState())

                    // The phone's own number by SMS: the same account.
                    val bySms = client.loginWithSms(server, phone)
                    assertEquals(user.id, bySms.id)
                    assertEquals(user, bySms)
                    assertEquals(bySms, assertLoggedIn(listener.next()))
                    assertEquals(SessionState.LoggedIn(bySms), auth.sessionState())

                    val paths = server.devRequests().map { it.path }
                    assertEquals(3, paths.count { it == oneTap }, "requests: $paths")
                    assertEquals(1, paths.count { it == "/v1/auth/sms/verify" }, "requests: $paths")
                } finally {
                    observer.cancel()
                }
                val deadline = System.nanoTime() + 5_000_000_000L
                while (!observer.isFinished() && System.nanoTime() < deadline) Thread.sleep(10)
                assertTrue(observer.isFinished(), "observer still running after cancel")
                assertEquals(emptyList<SessionState>(), listener.pending())
                observer.close()
            }
        }
    }

    @Test
    fun `a tampered, an expired or a pre-consent token logs nobody in`() = runBlocking {
        val phone = "13900139005"
        val device = ScriptedDevice(
            DeviceInfo("Mate 60", DeviceOs.ANDROID, "14", "2.3.1", NetworkType.WIFI, null),
        )
        openClient(server, dataDir).use { client ->
            client.auth().use { auth ->
                auth.setDeviceInfoProvider(device)

                // Before the policy is accepted: refused locally, nothing sent, the device not read.
                val early = server.devCarrierToken(phone, "China Unicom")
                val refused = expectThrows<AuthException.ConsentRequired> { auth.loginWithCarrierToken(early.token) }
                assertEquals(ConsentPurpose.PRIVACY_POLICY, refused.purpose)
                val seen = server.devRequests()
                assertTrue(seen.none { it.path.startsWith("/v1/auth") }, "requests: $seen")
                assertEquals(emptyList<SeenRequest>(), seen, "a refused login must not reach the server")
                assertEquals(0, device.calls, "the device was read before the policy was accepted")
                assertEquals(SessionState.LoggedOut, auth.sessionState())

                client.acceptPolicy()

                // A genuine token whose signature was tampered with.
                val minted = server.devCarrierToken(phone, "China Unicom")
                val payload = minted.token.substringBefore('.')
                val signature = minted.token.substringAfter('.')
                assertTrue(payload.isNotEmpty() && signature.isNotEmpty(), "token: ${minted.token}")
                val tampered = "$payload.${signature.reversed()}"
                assertNotEquals(minted.token, tampered)
                expectThrows<AuthException.CarrierTokenInvalid> { auth.loginWithCarrierToken(tampered) }
                assertEquals(SessionState.LoggedOut, auth.sessionState())

                // The genuine token, unused, once the carrier's 120 s are over.
                server.devAdvanceClock(121)
                expectThrows<AuthException.CarrierTokenExpired> { auth.loginWithCarrierToken(minted.token) }
                assertEquals(SessionState.LoggedOut, auth.sessionState())

                val paths = server.devRequests().map { it.path }
                assertEquals(listOf(oneTap, oneTap), paths.filter { it.startsWith("/v1/auth") }, "requests: $paths")
                assertEquals(0, device.calls, "the device was read without a login")
                assertEquals(emptyList<RiskDevice>(), server.devRiskDevices())

                // The refusals were the tokens': a fresh one logs in.
                val user = auth.loginWithCarrierToken(server.devCarrierToken(phone, "China Unicom").token)
                assertEquals("139****9005", user.phoneMasked)
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                assertEquals(1, device.calls)
            }
        }
    }

    @Test
    fun `a one-tap login reports the scripted device once, under the user, to the risk endpoint`() = runBlocking {
        val phone = "13700137006"
        // A dual-SIM phone: the carrier that vouched for the number need not be the data SIM's.
        val info = DeviceInfo(
            model = "Pixel 8 Pro",
            os = DeviceOs.ANDROID,
            osVersion = "15",
            appVersion = "2.3.1",
            networkType = NetworkType.CELLULAR,
            carrier = "China Unicom",
        )
        val device = ScriptedDevice(info)
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                auth.setDeviceInfoProvider(device)
                assertEquals(0, device.calls, "registering the provider must not read the device")
                val token = server.devCarrierToken(phone, "China Mobile").token

                val (user, within) = timed { auth.loginWithCarrierToken(token) }
                assertEquals("137****7006", user.phoneMasked)

                val reports = server.devRiskDevices()
                assertEquals(1, reports.size, "reports: $reports")
                val report = reports.single()
                assertEquals(
                    RiskDevice(
                        userId = user.id,
                        model = "Pixel 8 Pro",
                        os = "android",
                        osVersion = "15",
                        appVersion = "2.3.1",
                        networkType = "cellular",
                        carrier = "China Unicom",
                        installId = report.installId,
                        receivedAt = report.receivedAt,
                    ),
                    report,
                )
                assertTrue(Regex("[A-Za-z0-9_-]{1,64}").matches(report.installId), "install_id: ${report.installId}")
                assertTrue(report.receivedAt in within, "received_at ${report.receivedAt} outside $within")
                assertEquals(1, device.calls, "device reads")

                // The report went to the risk endpoint, once, after the login it belongs to.
                val requests = server.devRequests()
                assertEquals(1, requests.count { it == SeenRequest("POST", "/v1/risk/device") }, "requests: $requests")
                assertEquals(1, requests.count { it == SeenRequest("POST", oneTap) }, "requests: $requests")
                assertTrue(
                    requests.indexOf(SeenRequest("POST", oneTap)) < requests.indexOf(SeenRequest("POST", "/v1/risk/device")),
                    "requests: $requests",
                )
            }
        }
    }
}
