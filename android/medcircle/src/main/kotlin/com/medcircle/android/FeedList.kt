package com.medcircle.android

import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedItem

/**
 * This list with the core's diffs applied, in order: what the feed shows after them. The core
 * computes each batch against the list the previous batches produced, so an index outside the
 * list means the two have diverged: that is an error, never silently ignored.
 */
fun List<FeedItem>.applying(diffs: List<FeedDiff>): List<FeedItem> {
    val items = toMutableList()
    for (diff in diffs) {
        when (diff) {
            is FeedDiff.Reset -> {
                items.clear()
                items.addAll(diff.items)
            }
            is FeedDiff.Insert -> items.add(checkedIndex(diff.index, items.size), diff.item)
            is FeedDiff.Update -> items[checkedIndex(diff.index, items.size - 1)] = diff.item
            is FeedDiff.Remove -> items.removeAt(checkedIndex(diff.index, items.size - 1))
        }
    }
    return items
}

private fun checkedIndex(index: UInt, last: Int): Int {
    val i = index.toInt()
    check(index <= Int.MAX_VALUE.toUInt() && i in 0..last) {
        "feed diff index $index outside 0..$last: the list and the core's diffs diverged"
    }
    return i
}
