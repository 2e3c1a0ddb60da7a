package com.medcircle.support

import com.medcircle.CertificationStatusListener
import com.medcircle.EntitlementsListener
import com.medcircle.FeedListener
import com.medcircle.FeedStatusListener
import com.medcircle.HelpTicketsListener
import com.medcircle.LoginScreenListener
import com.medcircle.RedemptionsListener
import com.medcircle.SecurityNoticesListener
import com.medcircle.SessionListener
import com.medcircle.core.CertificationStatus
import com.medcircle.core.Entitlements
import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedItem
import com.medcircle.core.FeedStatus
import com.medcircle.core.HelpTickets
import com.medcircle.core.LogLevel
import com.medcircle.core.LogSink
import com.medcircle.core.LoginScreen
import com.medcircle.core.Redemption
import com.medcircle.core.SecurityNotices
import com.medcircle.core.SessionState
import com.medcircle.core.UploadProgress

// The shell's side of every observable and reporting trait, recording what the core delivers.

class SessionRecorder : Recording<SessionState>("session state"), SessionListener {
    override fun onUpdate(state: SessionState) = record(state)
}

class NoticesRecorder : Recording<SecurityNotices>("security notices"), SecurityNoticesListener {
    override fun onUpdate(notices: SecurityNotices) = record(notices)
}

class RedemptionsRecorder : Recording<List<Redemption>>("redemptions"), RedemptionsListener {
    override fun onUpdate(redemptions: List<Redemption>) = record(redemptions)
}

class EntitlementsRecorder : Recording<Entitlements>("entitlements"), EntitlementsListener {
    override fun onUpdate(entitlements: Entitlements) = record(entitlements)
}

class TicketsRecorder : Recording<HelpTickets>("help tickets"), HelpTicketsListener {
    override fun onUpdate(tickets: HelpTickets) = record(tickets)
}

class ScreenRecorder : Recording<LoginScreen>("login screen"), LoginScreenListener {
    override fun onUpdate(screen: LoginScreen) = record(screen)
}

class CertificationRecorder : Recording<CertificationStatus>("certification status"), CertificationStatusListener {
    override fun onUpdate(status: CertificationStatus) = record(status)
}

class FeedStatusRecorder : Recording<FeedStatus>("feed status"), FeedStatusListener {
    override fun onUpdate(status: FeedStatus) = record(status)
}

/**
 * Plays a feed screen: applies every batch of diffs to its own rows and records the rows after
 * each batch; [batches] keeps the diffs themselves.
 */
class FeedRecorder : Recording<List<FeedItem>>("feed list"), FeedListener {
    private val rows = mutableListOf<FeedItem>()
    val batches = Recording<List<FeedDiff>>("feed diffs")

    override fun onUpdate(diffs: List<FeedDiff>) {
        val shown = synchronized(rows) {
            for (diff in diffs) {
                when (diff) {
                    is FeedDiff.Reset -> {
                        rows.clear()
                        rows.addAll(diff.items)
                    }
                    is FeedDiff.Insert -> rows.add(diff.index.toInt(), diff.item)
                    is FeedDiff.Update -> rows[diff.index.toInt()] = diff.item
                    is FeedDiff.Remove -> rows.removeAt(diff.index.toInt())
                }
            }
            rows.toList()
        }
        batches.record(diffs)
        record(shown)
    }
}

/**
 * Every progress report of an upload as (sent, total). With [holdFirstReport] the first report
 * blocks its core thread (and with it the upload's body) until the test opens [hold].
 */
class ProgressRecorder(holdFirstReport: Boolean = false) :
    Recording<Pair<ULong, ULong>>("upload progress"), UploadProgress {
    val hold = Gate(open = !holdFirstReport)

    override fun progress(sentBytes: ULong, totalBytes: ULong) {
        val first = count == 0
        record(sentBytes to totalBytes)
        if (first) hold.pass()
    }
}

/** Every log line the core forwards, as "LEVEL target: message". */
class LogRecorder : Recording<String>("log line"), LogSink {
    override fun log(level: LogLevel, target: String, message: String) = record("$level $target: $message")
}

/** The sink left installed after a test that needed one: the logger is process-wide. */
object QuietLog : LogSink {
    override fun log(level: LogLevel, target: String, message: String) = Unit
}
