package com.medcircle.android

import com.medcircle.FfiConverterTypeSecurityNoticesListener
import com.medcircle.MedCircleClient
import com.medcircle.core.ClientConfig
import com.medcircle.core.NoticeKind
import com.medcircle.core.SecurityNotices
import com.medcircle.support.ReferenceServer
import com.medcircle.support.TestEnv
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import java.nio.file.Path

/**
 * The security notices' flows against the reference server (the bindings suite's
 * `ReferenceServer`, started in dev mode on loopback): a second device's login reaches the
 * first as a new-login alert, counted unread, and reading it counts it down; when collection
 * stops the core releases the listener.
 */
class NoticesFlowTest {
    private lateinit var server: ReferenceServer
    private val clients = mutableListOf<Pair<MedCircleClient, Path>>()

    @Before
    fun start() {
        TestEnv.requireClientEnvironment()
        server = ReferenceServer.start()
    }

    @After
    fun stop() {
        clients.forEach { (client, dir) ->
            client.close()
            TestEnv.deleteRecursively(dir)
        }
        server.close()
    }

    @Test
    fun the_flows_follow_a_new_login_alert_and_its_reading() = runBlocking {
        val security = loggedIn().security()
        val notices = Channel<SecurityNotices>(Channel.UNLIMITED)
        val unread = Channel<UInt>(Channel.UNLIMITED)
        val collecting = launch(Dispatchers.Default) { security.noticesFlow().collect { notices.send(it) } }
        val counting = launch(Dispatchers.Default) { security.unreadNoticesFlow().collect { unread.send(it) } }
        assertEquals(0u, withTimeout(TIMEOUT) { notices.receive() }.unread)
        assertEquals(0u, withTimeout(TIMEOUT) { unread.receive() })

        server.devPost("/dev/clock/advance", """{"seconds": 61}""")
        loggedIn()
        security.refreshNotices()
        val alerted = until(notices) { it.unread == 1u }
        assertEquals(NoticeKind.NEW_LOGIN, alerted.notices.single().kind)
        // One value per change of the count: the refresh before the alert changed nothing.
        assertEquals(1u, withTimeout(TIMEOUT) { unread.receive() })

        security.markNoticeRead(alerted.notices.single().id)
        val read = until(notices) { it.unread == 0u }
        assertTrue(read.notices.single().read)
        assertEquals(0u, withTimeout(TIMEOUT) { unread.receive() })

        collecting.cancelAndJoin()
        counting.cancelAndJoin()
        withTimeout(TIMEOUT) { while (FfiConverterTypeSecurityNoticesListener.handleMap.size != 0) delay(10) }
    }

    /** A consented client logged in as [PHONE] (the same account on each new device). */
    private suspend fun loggedIn(): MedCircleClient {
        val dir = TestEnv.tempDir("medcircle-notices")
        val client = MedCircleClient.open(ClientConfig(server.url, dir.toString(), dev = true, spkiPins = listOf()))
        clients += client to dir
        val consent = client.consent()
        consent.accept(consent.fetchPolicy().version)
        val auth = client.auth()
        auth.requestSmsCode(PHONE)
        auth.verifySmsCode(PHONE, server.smsCode(PHONE))
        return client
    }

    private suspend fun until(values: Channel<SecurityNotices>, condition: (SecurityNotices) -> Boolean) =
        withTimeout(TIMEOUT) {
            var value = values.receive()
            while (!condition(value)) value = values.receive()
            value
        }

    private companion object {
        const val PHONE = "13800138081"
        const val TIMEOUT = 20_000L
    }
}
