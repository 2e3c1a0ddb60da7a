package com.medcircle

import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.assertLoggedIn
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Test

/** A session (and the consent) survive closing the client and opening it again. */
class SessionRestoreTest : ServerTest() {

    @Test
    fun `a new client on the same data dir is still logged in`() = runBlocking {
        val phone = "13900139003"
        val user = openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, phone)
        }
        assertEquals("139****9003", user.phoneMasked)

        openClient(server, dataDir).use { client ->
            client.consent().use { consent ->
                assertFalse(consent.status().needsAcceptance, "consent lost: ${consent.status()}")
            }
            client.auth().use { auth ->
                val restored = assertLoggedIn(auth.sessionState())
                assertEquals(user.id, restored.id)
                assertEquals(user.phoneMasked, restored.phoneMasked)

                val me = auth.whoami()
                assertEquals(user.id, me.id)
                assertEquals("139****9003", me.phoneMasked)
            }
        }
    }
}
