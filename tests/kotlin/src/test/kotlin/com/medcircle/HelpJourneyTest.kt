package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.Feature
import com.medcircle.core.FeedbackForm
import com.medcircle.core.Permission
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionStatus
import com.medcircle.core.TicketStatus
import com.medcircle.support.ProgressRecorder
import com.medcircle.support.ScriptedPermissions
import com.medcircle.support.ServerTest
import com.medcircle.support.TicketsRecorder
import com.medcircle.support.png
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The help center as a Kotlin shell drives it: an article found in Chinese, the photo
 * permission granted through the scripted OS dialog, feedback with a photo (its upload
 * reported), the ticket observed, the team's reply raising the unread count, reading it.
 */
class HelpJourneyTest : ServerTest() {
    @Test
    fun `feedback with a photo becomes a ticket whose reply is read`() = runBlocking {
        val client = loggedInClient()
        val help = client.help()
        assertTrue(help.search("验证码").any { it.id == "ha_login_zh" })

        val os = ScriptedPermissions()
        val permissions = client.permissions()
        permissions.setProvider(os)
        val asked = async { permissions.request(Feature.FEEDBACK_PHOTOS) }
        val dialog = os.dialogs.next()
        assertEquals(Permission.PHOTOS, dialog.permission)
        dialog.answer { PermissionStatus.GRANTED }
        assertEquals(PermissionDecision.Allowed, asked.await())

        val tickets = TicketsRecorder()
        val handle = help.observeTickets(tickets)
        assertEquals(0u, tickets.next().unread)
        val progress = ProgressRecorder()
        val form = FeedbackForm(
            text = "上传证书时闪退",
            photos = listOf(png(8 * 1024)),
            contact = "13800138000",
            device = null,
        )
        val receipt = CancelToken().use { cancel -> help.sendFeedback(form, progress, cancel) }
        val ticket = receipt.ticket ?: throw AssertionError("sent at once: ${receipt.key} waits")
        assertEquals(1u, ticket.photoCount)
        assertEquals("138****8000", ticket.contactMasked)
        assertEquals(null, ticket.appVersion, "no device information without agreement")
        assertEquals(TicketStatus.OPEN, tickets.until("the ticket") { it.tickets.size == 1 }.tickets.single().status)

        server.devPost("/dev/help/tickets/${ticket.id}/replies", """{"body": "请更新到最新版本"}""")
        help.refreshTickets()
        val answered = tickets.until("the reply") { it.unread == 1u }
        assertEquals(TicketStatus.ANSWERED, answered.tickets.single().status)
        assertEquals("请更新到最新版本", answered.tickets.single().replies.single().body)
        assertEquals(0u, help.markTicketRead(ticket.id).unread)
        tickets.until("read") { it.unread == 0u }
        handle.close()
    }
}
