package com.medcircle.android

import com.medcircle.FfiConverterTypeHelpTicketsListener
import com.medcircle.MedCircleClient
import com.medcircle.core.CancelToken
import com.medcircle.core.ClientConfig
import com.medcircle.core.FeedbackForm
import com.medcircle.core.HelpTickets
import com.medcircle.core.UploadProgress
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
import org.junit.Before
import org.junit.Test
import java.nio.file.Path

/**
 * The help center's tickets as a flow against the reference server: feedback sent shows as a
 * ticket, the team's reply counts unread, reading it counts it down; when collection stops the
 * core releases the listener.
 */
class TicketsFlowTest {
    private lateinit var server: ReferenceServer
    private lateinit var dir: Path
    private var client: MedCircleClient? = null

    @Before
    fun start() {
        TestEnv.requireClientEnvironment()
        server = ReferenceServer.start()
        dir = TestEnv.tempDir("medcircle-tickets")
    }

    @After
    fun stop() {
        client?.close()
        TestEnv.deleteRecursively(dir)
        server.close()
    }

    @Test
    fun the_flow_follows_feedback_and_its_reply() = runBlocking {
        val opened = MedCircleClient.open(ClientConfig(server.url, dir.toString(), dev = true, spkiPins = listOf()))
        client = opened
        opened.consent().let { it.accept(it.fetchPolicy().version) }
        opened.auth().let {
            it.requestSmsCode(PHONE)
            it.verifySmsCode(PHONE, server.smsCode(PHONE))
        }
        val help = opened.help()
        val tickets = Channel<HelpTickets>(Channel.UNLIMITED)
        val collecting = launch(Dispatchers.Default) { help.ticketsFlow().collect { tickets.send(it) } }
        assertEquals(0, withTimeout(TIMEOUT) { tickets.receive() }.tickets.size)

        val form = FeedbackForm(text = "无法收到验证码", photos = listOf(), contact = null, device = null)
        val sent = CancelToken().use { cancel -> help.sendFeedback(form, Unwatched, cancel) }
        val id = sent.ticket!!.id
        until(tickets) { it.tickets.size == 1 }
        server.devPost("/dev/help/tickets/$id/replies", """{"body": "请检查信号"}""")
        help.refreshTickets()
        assertEquals("请检查信号", until(tickets) { it.unread == 1u }.tickets.single().replies.single().body)
        help.markTicketRead(id)
        until(tickets) { it.unread == 0u }

        collecting.cancelAndJoin()
        withTimeout(TIMEOUT) { while (FfiConverterTypeHelpTicketsListener.handleMap.size != 0) delay(10) }
    }

    private suspend fun until(values: Channel<HelpTickets>, condition: (HelpTickets) -> Boolean) =
        withTimeout(TIMEOUT) {
            var value = values.receive()
            while (!condition(value)) value = values.receive()
            value
        }

    private object Unwatched : UploadProgress {
        override fun progress(sentBytes: ULong, totalBytes: ULong) = Unit
    }

    private companion object {
        const val PHONE = "13800138082"
        const val TIMEOUT = 20_000L
    }
}
