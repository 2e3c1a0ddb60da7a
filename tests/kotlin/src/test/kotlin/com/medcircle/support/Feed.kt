package com.medcircle.support

import com.medcircle.FeedListener
import com.medcircle.core.Draft
import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedItem
import com.medcircle.core.FeedStatus
import com.medcircle.core.OutboxNotice
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals

/** Applies [diffs] to [list] in order, as a feed screen applies them to its rows. */
fun applyFeedDiffs(list: MutableList<FeedItem>, diffs: List<FeedDiff>) {
    for (diff in diffs) {
        when (diff) {
            is FeedDiff.Reset -> {
                list.clear()
                list.addAll(diff.items)
            }
            is FeedDiff.Insert -> list.add(diff.index.toInt(), diff.item)
            is FeedDiff.Update -> list[diff.index.toInt()] = diff.item
            is FeedDiff.Remove -> list.removeAt(diff.index.toInt())
        }
    }
}

/**
 * A [FeedListener] that plays the feed screen: it applies every batch of diffs to its own list
 * and records the batch, the list after it, and every status and notice.
 */
class RecordingFeedListener : FeedListener {
    private val rows = mutableListOf<FeedItem>()

    /** Every batch of diffs, in order. */
    val diffs = Recorded<List<FeedDiff>>()

    /** The list as the screen shows it after each batch. */
    val shown = Recorded<List<FeedItem>>()
    val statuses = Recorded<FeedStatus>()
    val notices = Recorded<OutboxNotice>()

    override fun onDiffs(diffs: List<FeedDiff>) {
        val after = synchronized(rows) {
            applyFeedDiffs(rows, diffs)
            rows.toList()
        }
        this.diffs.add(diffs)
        shown.add(after)
    }

    override fun onStatus(status: FeedStatus) {
        statuses.add(status)
    }

    override fun onNotice(notice: OutboxNotice) {
        notices.add(notice)
    }

    /** The list as the screen shows it now. */
    fun items(): List<FeedItem> = synchronized(rows) { rows.toList() }

    /** Waits until the list shown satisfies [condition]; returns it. */
    fun awaitItems(what: String, timeoutMs: Long = 10_000, condition: (List<FeedItem>) -> Boolean): List<FeedItem> =
        shown.await(what, timeoutMs) { seen -> seen.lastOrNull()?.let(condition) == true }.last()
}

/** Asserts two drafts hold the same text and the same photo bytes (a ByteArray compares by identity). */
fun assertDraftEquals(expected: Draft, actual: Draft) {
    assertEquals(expected.text, actual.text, "draft text")
    assertEquals(expected.photos.size, actual.photos.size, "draft photo count")
    expected.photos.zip(actual.photos).forEachIndexed { index, (want, got) ->
        assertArrayEquals(want, got, "draft photo $index")
    }
}
