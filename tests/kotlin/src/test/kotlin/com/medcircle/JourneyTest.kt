package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.Delivery
import com.medcircle.core.FeedDiff
import com.medcircle.core.SessionState
import com.medcircle.support.FeedRecorder
import com.medcircle.support.PHONE
import com.medcircle.support.ProgressRecorder
import com.medcircle.support.ServerTest
import com.medcircle.support.SessionRecorder
import com.medcircle.support.png
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** One user's way through the app, as a Kotlin shell drives it, against the reference server. */
class JourneyTest : ServerTest() {
    @Test
    fun `policy, SMS login, a post with a photo in the live feed, a like, local search, logout`() = runBlocking {
        val client = openClient()
        client.consent().use { consent ->
            val policy = consent.fetchPolicy()
            assertTrue(policy.sections.isNotEmpty(), "the policy has sections to show")
            consent.accept(policy.version)
        }

        val auth = client.auth()
        val session = SessionRecorder()
        val sessionHandle = auth.observeSession(session)
        assertEquals(SessionState.LoggedOut, session.next())
        auth.requestSmsCode(PHONE)
        val user = auth.verifySmsCode(PHONE, server.smsCode(PHONE))
        val loggedIn = session.until("LoggedIn") { it is SessionState.LoggedIn } as SessionState.LoggedIn
        assertEquals(user.id, loggedIn.user.id)

        val feed = client.feed()
        val shown = FeedRecorder()
        val feedHandle = feed.observeItems(shown)
        assertTrue(shown.batches.next().first() is FeedDiff.Reset, "the first callback is a reset")
        val photo = png(300 * 1024)
        val progress = ProgressRecorder()
        val text = "今天的查房记录：心内科病例讨论"
        val item = CancelToken().use { cancel -> feed.publish(text, listOf(photo), progress, cancel) }
        assertEquals(Delivery.Sent, item.delivery)
        val size = photo.size.toULong()
        assertEquals(size to size, progress.until("the whole photo sent") { it.first == it.second })

        val postId = item.post.id
        shown.until("the post on top") { it.firstOrNull()?.post?.id == postId }
        feed.setLiked(postId, true)
        val liked = shown.until("the post liked") { rows -> rows.firstOrNull()?.post?.likedByMe == true }.first()
        assertEquals(1u, liked.post.likeCount)
        assertEquals(listOf(postId), feed.searchLocal("查房", 10u).map { it.id })

        auth.logout()
        session.until("LoggedOut") { it == SessionState.LoggedOut }
        listOf(feedHandle, sessionHandle).forEach { it.close() }
    }
}
