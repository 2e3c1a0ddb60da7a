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

/** Malformed input is refused on the device, before any request. */
class LocalValidationTest : ServerTest() {

    @Test
    fun `bad phone and bad code never reach the server`() = runBlocking {
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                val before = server.devRequests()

                val badPhone = expectThrows<AuthException.InvalidPhone> { auth.requestSmsCode("12345") }
                assertTrue(badPhone.reason.isNotBlank(), "reason: '${badPhone.reason}'")

                expectThrows<AuthException.InvalidCode> { auth.verifySmsCode("13900139002", "12a") }

                val after = server.devRequests()
                assertEquals(before, after, "locally refused calls reached the server")
                assertTrue(after.none { it.path.startsWith("/v1/auth") }, "requests: $after")
            }
        }
    }
}
