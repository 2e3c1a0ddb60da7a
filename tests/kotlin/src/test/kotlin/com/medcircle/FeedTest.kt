package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.Delivery
import com.medcircle.core.Draft
import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedException
import com.medcircle.core.FeedItem
import com.medcircle.core.OutboxEntry
import com.medcircle.support.RecordingFeedListener
import com.medcircle.support.RecordingUploadProgress
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.assertDraftEquals
import com.medcircle.support.assertLoggedIn
import com.medcircle.support.certificatePng
import com.medcircle.support.expectThrows
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The feed against the reference server, whose dev mode seeds 40 posts in Chinese and English:
 * a live list (a reset with the cache, then diffs) filled by pages and a conditional refresh,
 * publishing with a photo, likes, comments, collections and share links, server and local
 * search, and a draft kept across restarts. The test plays the feed screen
 * ([RecordingFeedListener] applies every diff to its own list).
 */
class FeedTest : ServerTest() {

    private val feedPage = SeenRequest("GET", "/v1/feed")

    private fun ids(items: List<FeedItem>) = items.map { it.post.id }

    @Test
    fun `the live list starts empty, fills by pages, and an unchanged refresh is not modified`() = runBlocking {
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, "13800139301")
            client.feed().use { feed ->
                val listener = RecordingFeedListener()
                val subscription = feed.subscribe(listener)
                try {
                    // Nothing cached yet: the screen is told so at once.
                    val first = listener.diffs.await("the first diffs") { it.isNotEmpty() }.first()
                    assertEquals(listOf(FeedDiff.Reset(emptyList())), first)
                    val initial = listener.statuses.await("the first status") { it.isNotEmpty() }.first()
                    assertFalse(initial.endReached, "status: $initial")
                    assertFalse(initial.offline, "status: $initial")
                    assertEquals(0u, initial.pending, "status: $initial")

                    val refreshed = feed.refresh()
                    assertFalse(refreshed.notModified)
                    assertEquals(20u, refreshed.newPosts)
                    val page = listener.awaitItems("the first page") { it.size == 20 }
                    assertTrue(page.all { it.delivery == Delivery.Sent }, "not all sent: $page")
                    assertEquals(20, ids(page).toSet().size, "duplicate rows: ${ids(page)}")

                    // Unchanged: one conditional request, answered 304, and the list untouched.
                    val pagesBefore = server.devRequests().count { it == feedPage }
                    val again = feed.refresh()
                    assertTrue(again.notModified, "outcome: $again")
                    assertEquals(0u, again.newPosts)
                    assertEquals(pagesBefore + 1, server.devRequests().count { it == feedPage })
                    assertEquals(page, listener.items())

                    val beforeMore = listener.statuses.all()
                    assertTrue(beforeMore.none { it.endReached }, "the end reached after one page: $beforeMore")
                    assertEquals(20u, feed.loadMore())
                    val all = listener.awaitItems("the second page") { it.size == 40 }
                    assertEquals(ids(page), ids(all).take(20), "the first page moved")
                    assertEquals(40, ids(all).toSet().size, "duplicate rows: ${ids(all)}")
                    assertTrue(all.all { it.delivery == Delivery.Sent }, "not all sent: $all")

                    // The seeded 40 are all there: nothing more to load.
                    assertEquals(0u, feed.loadMore())
                    listener.statuses.await("the end reached") { it.lastOrNull()?.endReached == true }
                    assertEquals(all, listener.items())
                    assertEquals(emptyList<Any>(), listener.notices.all())
                } finally {
                    subscription.cancel()
                }
                subscription.close()
            }
        }
    }

    @Test
    fun `a post with a photo is sent with progress, tops the list, and its photo comes back`() = runBlocking {
        val text = "今天的查房记录 — ward round notes"
        val size = 200 * 1024
        val photo = certificatePng(size)
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            val user = client.loginWithSms(server, "13800139302")
            client.feed().use { feed ->
                feed.refresh()
                val listener = RecordingFeedListener()
                val subscription = feed.subscribe(listener)
                val item = try {
                    val seeded = listener.awaitItems("the cached page") { it.size == 20 }

                    val progress = RecordingUploadProgress()
                    val item = CancelToken().use { cancel -> feed.publish(text, listOf(photo), progress, cancel) }
                    assertEquals(Delivery.Sent, item.delivery)
                    assertEquals(text, item.post.text)
                    assertTrue(item.post.mine, "post: ${item.post}")
                    assertEquals(user.id, item.post.author.id)
                    assertFalse(item.post.id.startsWith("local:"), "still a local id: ${item.post.id}")
                    val sentPhoto = item.post.photos.singleOrNull() ?: throw AssertionError("photos: ${item.post.photos}")
                    assertEquals(2u, sentPhoto.width)
                    assertEquals(2u, sentPhoto.height)
                    val total = size.toULong()
                    val reports = progress.reports.all()
                    assertEquals(total to total, reports.lastOrNull(), "reports: $reports")
                    assertTrue(reports.all { it.second == total }, "reports: $reports")

                    // On top of the live list, as sent, above what was there.
                    val shown = listener.awaitItems("the new post on top") { it.firstOrNull()?.post?.id == item.post.id }
                    assertEquals(item, shown.first())
                    assertEquals(ids(seeded), ids(shown).drop(1))

                    assertArrayEquals(photo, feed.photo(sentPhoto.id, item.post.id))
                    val published = server.devRequests().filter { it.method == "POST" }
                    assertEquals(1, published.count { it == SeenRequest("POST", "/v1/photos") }, "requests: $published")
                    assertEquals(1, published.count { it == SeenRequest("POST", "/v1/posts") }, "requests: $published")
                    assertEquals(emptyList<OutboxEntry>(), feed.outbox())
                    item
                } finally {
                    subscription.cancel()
                }
                subscription.close()

                // Another user, on another phone, gets the post and its photo from the server.
                val otherDir = Files.createDirectories(dataDir.resolve("other-install"))
                openClient(server, otherDir).use { other ->
                    other.acceptPolicy()
                    other.loginWithSms(server, "13800139312")
                    other.feed().use { otherFeed ->
                        otherFeed.refresh()
                        val theirs = otherFeed.searchLocal("ward round", 10u).singleOrNull()
                            ?: throw AssertionError("the new post is not in the other user's feed")
                        assertEquals(item.post.id, theirs.id)
                        assertFalse(theirs.mine, "post: $theirs")
                        assertArrayEquals(photo, otherFeed.photo(theirs.photos.single().id, theirs.id))
                    }
                }
            }
        }
    }

    @Test
    fun `a like, a comment and a collection reach the server, and a share link opens the post`() = runBlocking {
        val remark = "Thanks for sharing — 学习了"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, "13800139303")
            client.feed().use { feed ->
                feed.refresh()
                val listener = RecordingFeedListener()
                val subscription = feed.subscribe(listener)
                try {
                    val target = listener.awaitItems("the cached page") { it.size == 20 }[2].post
                    assertFalse(target.mine || target.likedByMe || target.collectedByMe, "post: $target")

                    val liked = feed.like(target.id, true)
                    assertTrue(liked.likedByMe, "post: $liked")
                    assertEquals(target.likeCount + 1u, liked.likeCount)

                    val comment = feed.comment(target.id, remark)
                    assertEquals(target.id, comment.postId)
                    assertEquals(remark, comment.text)
                    assertTrue(comment.mine, "comment: $comment")
                    assertFalse(comment.id.startsWith("local:"), "not sent: $comment")
                    val comments = feed.comments(target.id)
                    assertEquals(listOf(remark), comments.filter { it.id == comment.id }.map { it.text }, "comments: $comments")

                    val collected = feed.collect(target.id, true)
                    assertTrue(collected.collectedByMe && collected.likedByMe, "post: $collected")
                    assertEquals(target.collectCount + 1u, collected.collectCount)
                    assertEquals(target.commentCount + 1u, collected.commentCount)
                    assertEquals(listOf(target.id), feed.collections().map { it.id })

                    // The server has all three (the post read back from it), and the row shows them.
                    val fromServer = feed.post(target.id)
                    assertTrue(fromServer.likedByMe && fromServer.collectedByMe, "post: $fromServer")
                    assertEquals(
                        listOf(target.likeCount + 1u, target.commentCount + 1u, target.collectCount + 1u),
                        listOf(fromServer.likeCount, fromServer.commentCount, fromServer.collectCount),
                    )
                    val row = listener.awaitItems("the row updated") { it.getOrNull(2)?.post?.collectedByMe == true }[2]
                    assertEquals(target.id, row.post.id)
                    assertTrue(row.post.likedByMe, "row: $row")

                    val link = feed.share(target.id)
                    val path = link.url.removePrefix(server.url)
                    assertTrue(path.startsWith("/p/"), "url: ${link.url}")
                    assertTrue(link.text.isNotBlank(), "link: $link")
                    val (status, page) = server.browserOpen(path)
                    assertEquals(200, status, page)
                    assertTrue(target.author.nickname in page, "the landing page does not show the author: $page")

                    // Taken back: the comment gone, the counts as before, nothing collected.
                    feed.deleteComment(target.id, comment.id)
                    assertTrue(feed.comments(target.id).none { it.id == comment.id }, "the comment is still there")
                    val unliked = feed.like(target.id, false)
                    assertFalse(unliked.likedByMe, "post: $unliked")
                    assertEquals(target.likeCount, unliked.likeCount)
                    assertFalse(feed.collect(target.id, false).collectedByMe)
                    assertEquals(emptyList<String>(), feed.collections().map { it.id })
                    assertEquals(emptyList<OutboxEntry>(), feed.outbox())
                } finally {
                    subscription.cancel()
                }
                subscription.close()
            }
        }
    }

    @Test
    fun `search finds Chinese on the server and English in the cache, and a blank post is refused locally`() = runBlocking {
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, "13800139304")
            client.feed().use { feed ->
                // A blank post never leaves the phone (only the server's limits may be asked).
                val before = server.devRequests().size
                val progress = RecordingUploadProgress()
                val refused = expectThrows<FeedException.InvalidText> {
                    CancelToken().use { cancel -> feed.publish("  \n\t ", listOf(), progress, cancel) }
                }
                assertTrue(refused.reason.isNotBlank(), "no reason")
                val sent = server.devRequests().drop(before)
                assertEquals(listOf<SeenRequest>(), sent.filter { it != SeenRequest("GET", "/v1/limits") })
                assertEquals(emptyList<Any>(), progress.reports.all())
                assertEquals(emptyList<OutboxEntry>(), feed.outbox())

                val found = feed.search("心肌梗死", null)
                assertTrue(found.posts.isNotEmpty(), "no results")
                assertTrue(found.posts.all { "心肌梗死" in it.text }, "results: ${found.posts.map { it.text }}")

                val listener = RecordingFeedListener()
                val subscription = feed.subscribe(listener)
                try {
                    feed.refresh()
                    feed.loadMore()
                    val cached = listener.awaitItems("the cached feed") { it.size == 40 }

                    // Local search asks nothing of the server.
                    val asked = server.devRequests().size
                    val local = feed.searchLocal("心肌梗死", 20u)
                    assertEquals(found.posts.map { it.id }.toSet(), local.map { it.id }.toSet())
                    val english = feed.searchLocal("night", 20u)
                    assertTrue(english.isNotEmpty(), "no local results for night")
                    assertTrue(english.all { "night" in it.text.lowercase() }, "results: ${english.map { it.text }}")
                    val expected = cached.filter { "night" in it.post.text.lowercase() }.map { it.post.id }.toSet()
                    assertEquals(expected, english.map { it.id }.toSet())
                    assertEquals(expected, feed.searchLocal("NIGHT", 20u).map { it.id }.toSet())
                    assertEquals(listOf<SeenRequest>(), server.devRequests().drop(asked))
                } finally {
                    subscription.cancel()
                }
                subscription.close()
            }
        }
    }

    @Test
    fun `a draft survives reopening the client`() = runBlocking {
        val draft = Draft("草稿：明天交班要讲的三件事 — handover", listOf(certificatePng(1024), certificatePng(2048)))
        val user = openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            val user = client.loginWithSms(server, "13800139305")
            client.feed().use { feed ->
                assertEquals("", feed.draft().text)
                feed.saveDraft(draft)
                assertDraftEquals(draft, feed.draft())
            }
            user
        }

        openClient(server, dataDir).use { client ->
            client.auth().use { auth -> assertEquals(user.id, assertLoggedIn(auth.sessionState()).id) }
            client.feed().use { feed ->
                val restored = feed.draft()
                assertDraftEquals(draft, restored)
                assertNotEquals(0, restored.photos.size)

                // Saving again replaces it.
                val shorter = Draft("only text", listOf())
                feed.saveDraft(shorter)
                assertDraftEquals(shorter, feed.draft())
            }
        }
    }
}
