package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.expectThrows
import com.medcircle.support.openClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The server's 429 arrives as a typed error carrying the wait. */
class RateLimitTest : ServerTest() {

    @Test
    fun `a second code within the cooldown is rate limited`() = runBlocking {
        val phone = "13900139004"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                assertEquals(60u, auth.requestSmsCode(phone).cooldownS)
                val first = server.devOutboxCode(phone)

                val limited = expectThrows<AuthException.RateLimited> { auth.requestSmsCode(phone) }
                assertTrue(limited.retryAfterS in 1uL..60uL, "retryAfterS = ${limited.retryAfterS}")

                assertEquals(first, server.devOutboxCode(phone), "a refused send must not text a new code")
                val sends = server.devRequests().count { it.path == "/v1/auth/sms/send" }
                assertEquals(2, sends, "both sends should have reached the server")
            }
        }
    }
}
