package com.medcircle.android

import com.medcircle.Auth
import com.medcircle.Certification
import com.medcircle.CertificationStatusListener
import com.medcircle.Feed
import com.medcircle.FeedListener
import com.medcircle.FeedStatusListener
import com.medcircle.Help
import com.medcircle.HelpTicketsListener
import com.medcircle.Login
import com.medcircle.LoginScreenListener
import com.medcircle.Mall
import com.medcircle.RedemptionsListener
import com.medcircle.Security
import com.medcircle.SecurityNoticesListener
import com.medcircle.SessionListener
import com.medcircle.core.CertificationStatus
import com.medcircle.core.FeedDiff
import com.medcircle.core.FeedItem
import com.medcircle.core.FeedStatus
import com.medcircle.core.HelpTickets
import com.medcircle.core.LoginScreen
import com.medcircle.core.Redemption
import com.medcircle.core.SecurityNotices
import com.medcircle.core.SessionState
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.runningFold
import kotlinx.coroutines.flow.stateIn

// Every observable of the core as a Flow. Each collection runs one core observer; its first
// value is the current state, then every change. Values arrive on the collector's context.

/** Who is logged in: the current state, then every login, logout and profile change. */
fun Auth.sessionFlow(): Flow<SessionState> = observe { deliver ->
    observeSession(object : SessionListener {
        override fun onUpdate(state: SessionState) = deliver(state)
    })
}

/** What a login screen shows: the current screen, then one per change. */
fun Login.screenFlow(): Flow<LoginScreen> = observe { deliver ->
    observeScreen(object : LoginScreenListener {
        override fun onUpdate(screen: LoginScreen) = deliver(screen)
    })
}

/** The feed's changes as the core sends them: a reset with the cached list, then diffs (for a
 * list view that animates inserts, updates and removals). */
fun Feed.diffFlow(): Flow<List<FeedDiff>> = observe { deliver ->
    observeItems(object : FeedListener {
        override fun onUpdate(diffs: List<FeedDiff>) = deliver(diffs)
    })
}

/** The feed's items with the diffs already applied: the cached list first, then the whole list
 * after every change. */
fun Feed.itemsFlow(): Flow<List<FeedItem>> =
    diffFlow().runningFold(emptyList<FeedItem>()) { items, diffs -> items.applying(diffs) }.drop(1)

/** Where the feed stands: offline, end reached, what waits in the outbox, notices. */
fun Feed.statusFlow(): Flow<FeedStatus> = observe { deliver ->
    observeStatus(object : FeedStatusListener {
        override fun onUpdate(status: FeedStatus) = deliver(status)
    })
}

/** The certification's review: the last known status, then every change. */
fun Certification.statusFlow(): Flow<CertificationStatus> = observe { deliver ->
    observeStatus(object : CertificationStatusListener {
        override fun onUpdate(status: CertificationStatus) = deliver(status)
    })
}

/** The security notices, newest first, with the unread count and the update prompt: the kept
 * notices, then every change (a refresh, a notice marked read, a logout). */
fun Security.noticesFlow(): Flow<SecurityNotices> = observe { deliver ->
    observeNotices(object : SecurityNoticesListener {
        override fun onUpdate(notices: SecurityNotices) = deliver(notices)
    })
}

/** The redemption orders, newest first: the kept ones, then every change (a redemption, a
 * cancellation, a refresh that brings a shipment or a delivery). */
fun Mall.redemptionsFlow(): Flow<List<Redemption>> = observe { deliver ->
    observeRedemptions(object : RedemptionsListener {
        override fun onUpdate(redemptions: List<Redemption>) = deliver(redemptions)
    })
}

/** The unread count alone, as the core gives it (for a badge): one value per change of it. */
fun Security.unreadNoticesFlow(): Flow<UInt> = noticesFlow().map { it.unread }.distinctUntilChanged()

/** The help center's tickets, newest first, with the unread replies and the feedback waiting:
 * the kept tickets, then every change (a refresh, feedback sent, a ticket read, a logout). */
fun Help.ticketsFlow(): Flow<HelpTickets> = observe { deliver ->
    observeTickets(object : HelpTicketsListener {
        override fun onUpdate(tickets: HelpTickets) = deliver(tickets)
    })
}

/** How long a [StateFlow] below keeps its core observer after the last collector leaves: a
 * screen rotation does not restart it. */
val WhileScreenShown: SharingStarted = SharingStarted.WhileSubscribed(stopTimeoutMillis = 5_000)

/** [sessionFlow] as a state, starting from the session as it is now. */
fun Auth.sessionStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<SessionState> = sessionFlow().stateIn(scope, started, sessionState())

/** [screenFlow] as a state, starting from the screen as it is now. */
fun Login.screenStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<LoginScreen> = screenFlow().stateIn(scope, started, screen())

/** [itemsFlow] as a state: empty until the cached list arrives, right after the first
 * collector subscribes. */
fun Feed.itemsStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<List<FeedItem>> = itemsFlow().stateIn(scope, started, emptyList())

/** [statusFlow] as a state: null until the core reports it, right after subscription. */
fun Feed.statusStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<FeedStatus?> = statusFlow().stateIn(scope, started, null)

/** [statusFlow] as a state: null until the core reports it, right after subscription. */
fun Certification.statusStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<CertificationStatus?> = statusFlow().stateIn(scope, started, null)

/** [noticesFlow] as a state: null until the core reports the kept notices, right after
 * subscription. */
fun Security.noticesStateFlow(
    scope: CoroutineScope,
    started: SharingStarted = WhileScreenShown,
): StateFlow<SecurityNotices?> = noticesFlow().stateIn(scope, started, null)
