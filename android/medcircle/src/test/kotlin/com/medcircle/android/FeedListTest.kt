package com.medcircle.android

import com.medcircle.core.Author
import com.medcircle.core.Delivery
import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedItem
import com.medcircle.core.Post
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test

class FeedListTest {
    @Test
    fun a_reset_replaces_everything() {
        val list = listOf(item("a"), item("b")).applying(listOf(FeedDiff.Reset(listOf(item("c")))))
        assertEquals(ids("c"), list.map { it.post.id })
    }

    @Test
    fun diffs_apply_in_order_as_the_core_sends_them() {
        val before = listOf(item("a"), item("b"), item("c"), item("d"))
        // The core removes from the end first, then inserts and updates at their new places.
        val diffs = listOf(
            FeedDiff.Remove(3u),
            FeedDiff.Remove(1u),
            FeedDiff.Insert(0u, item("new")),
            FeedDiff.Update(2u, item("c", likes = 5u)),
            FeedDiff.Insert(3u, item("last")),
        )
        val after = before.applying(diffs)
        assertEquals(ids("new", "a", "c", "last"), after.map { it.post.id })
        assertEquals(5u, after[2].post.likeCount)
        assertEquals(ids("a", "b", "c", "d"), before.map { it.post.id })
    }

    @Test
    fun an_index_outside_the_list_is_an_error() {
        val list = listOf(item("a"))
        assertThrows(IllegalStateException::class.java) { list.applying(listOf(FeedDiff.Remove(1u))) }
        assertThrows(IllegalStateException::class.java) { list.applying(listOf(FeedDiff.Update(1u, item("b")))) }
        assertThrows(IllegalStateException::class.java) { list.applying(listOf(FeedDiff.Insert(2u, item("b")))) }
        assertThrows(IllegalStateException::class.java) { list.applying(listOf(FeedDiff.Remove(UInt.MAX_VALUE))) }
        assertEquals(ids("a", "b"), list.applying(listOf(FeedDiff.Insert(1u, item("b")))).map { it.post.id })
    }

    private fun ids(vararg ids: String) = ids.toList()

    private fun item(id: String, likes: UInt = 0u) = FeedItem(
        post = Post(
            id = id,
            author = Author(id = "u1", nickname = "李医生", avatarUrl = null),
            text = "查房记录 $id",
            photos = emptyList(),
            createdAt = 1_700_000_000,
            likeCount = likes,
            commentCount = 0u,
            collectCount = 0u,
            likedByMe = false,
            collectedByMe = false,
            mine = false,
        ),
        delivery = Delivery.Sent,
    )
}
