package com.medcircle.sample

import android.text.InputType
import android.view.View
import android.view.ViewGroup
import android.widget.BaseAdapter
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.ProgressBar
import android.widget.TextView
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.repeatOnLifecycle
import com.medcircle.MedCircleClient
import com.medcircle.android.itemsFlow
import com.medcircle.android.publish
import com.medcircle.android.statusFlow
import com.medcircle.core.AuthException
import com.medcircle.core.Delivery
import com.medcircle.core.FeedException
import com.medcircle.core.FeedItem
import com.medcircle.core.FeedStatus
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import java.io.IOException

/**
 * The feed, live: the cached list at once, then every change (a refresh, a like, a post being
 * sent) as the core reports it; a composer that publishes a post with a photo, with progress.
 */
fun CoroutineScope.feedScreen(activity: SampleActivity, client: MedCircleClient): View {
    val feed = client.feed()
    val auth = client.auth()
    val status = activity.label()
    val problem = activity.label()
    val text = activity.field("What is new?", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE)
    val photoLabel = activity.label("No photo")
    var photo: ByteArray? = null
    val progress = ProgressBar(activity, null, android.R.attr.progressBarStyleHorizontal).apply {
        max = 100
        shown(false)
    }
    val items = FeedAdapter()
    var discardUnsent = false

    fun attempt(action: suspend () -> Unit) = launch {
        try {
            action()
            problem.text = ""
        } catch (e: FeedException) {
            problem.text = describe(e)
        } catch (e: AuthException) {
            problem.text = describe(e)
            discardUnsent = e is AuthException.UnsentWouldBeLost
        }
    }

    val refresh = activity.button("Refresh") { attempt { feed.refresh() } }
    val logout = activity.button("Log out") {
        attempt { if (discardUnsent) auth.logoutDiscardingUnsent() else auth.logout() }
    }
    val choosePhoto = activity.button("Photo…") {
        launch {
            try {
                activity.pickPhoto()?.let {
                    photo = it
                    photoLabel.text = "1 photo, ${it.size / 1024} KB"
                }
            } catch (e: IOException) {
                problem.text = "The photo cannot be read: ${e.message}"
            }
        }
    }
    lateinit var publish: View
    publish = activity.button("Publish") {
        publish.isEnabled = false
        progress.progress = 0
        progress.shown(true)
        attempt {
            try {
                // The post shows in the list at once, as sending; progress comes from the core's threads.
                feed.publish(text.text.toString(), listOfNotNull(photo)) { sent, total ->
                    progress.post { progress.progress = if (total > 0) (sent * 100 / total).toInt() else 0 }
                }
                text.setText("")
                photo = null
                photoLabel.text = "No photo"
            } finally {
                publish.isEnabled = true
                progress.shown(false)
            }
        }
    }
    val list = ListView(activity).apply {
        adapter = items
        // A tap likes the post, or takes the like back.
        setOnItemClickListener { _, _, position, _ ->
            val post = items.getItem(position).post
            attempt { feed.setLiked(post.id, !post.likedByMe) }
        }
    }

    launch {
        activity.lifecycle.repeatOnLifecycle(Lifecycle.State.STARTED) {
            launch { feed.itemsFlow().collect { items.show(it) } }
            launch { feed.statusFlow().collect { status.text = describe(it) } }
        }
    }
    attempt { feed.refresh() }

    val composer = activity.column(text, activity.row(choosePhoto, publish), photoLabel, progress)
    return LinearLayout(activity).apply {
        orientation = LinearLayout.VERTICAL
        addView(activity.column(activity.row(refresh, logout), status, problem))
        addView(composer)
        addView(list, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, 0, 1f))
    }
}

private fun describe(status: FeedStatus): String = listOfNotNull(
    "Offline: showing what is cached.".takeIf { status.offline },
    "${status.pending} waiting to be sent.".takeIf { status.pending > 0u },
    status.notices.lastOrNull()?.let { "Not done: ${it.message}" },
).joinToString(" ")

/** The feed's items as rows of text. */
private class FeedAdapter : BaseAdapter() {
    private var items: List<FeedItem> = emptyList()

    fun show(items: List<FeedItem>) {
        this.items = items
        notifyDataSetChanged()
    }

    override fun getCount() = items.size
    override fun getItem(position: Int) = items[position]
    override fun getItemId(position: Int) = position.toLong()

    override fun getView(position: Int, convertView: View?, parent: ViewGroup): View {
        val row = convertView as? TextView ?: parent.context.label().apply {
            val padding = (12 * resources.displayMetrics.density).toInt()
            setPadding(padding, padding, padding, padding)
        }
        val post = items[position].post
        val delivery = when (val d = items[position].delivery) {
            is Delivery.Sent -> ""
            is Delivery.Sending -> " · sending"
            is Delivery.Failed -> " · not sent: ${d.reason}"
        }
        val photos = if (post.photos.isEmpty()) "" else " · ${post.photos.size} photo(s)"
        val liked = if (post.likedByMe) "♥" else "♡"
        row.text = "${post.author.nickname}$delivery\n${post.text}\n$liked ${post.likeCount} · " +
            "${post.commentCount} comments$photos"
        return row
    }
}
