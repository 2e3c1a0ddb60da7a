package com.medcircle.support

import com.medcircle.core.Feature
import com.medcircle.core.Permission
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionProvider
import com.medcircle.core.PermissionStatus
import com.medcircle.core.Rationale
import com.medcircle.core.UnavailableReason
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.yield

/**
 * The OS permission API, scripted: the one thing a JVM cannot provide. It keeps a status per
 * permission (NOT_DETERMINED until the user answers a dialog), answers the next dialog as the
 * test scripted it ([answerNextDialog]) and counts status reads and dialogs shown.
 *
 * The core calls [status] and [request] from its own threads, so everything here is thread-safe.
 */
class FakeOs : PermissionProvider {
    private val statuses = ConcurrentHashMap<Permission, PermissionStatus>()
    private val answers = ConcurrentLinkedQueue<Pair<PermissionStatus, PermissionStatus>>()
    private val reads = AtomicInteger()

    /** Every dialog shown, oldest first. */
    val dialogs: MutableList<Permission> = CopyOnWriteArrayList()

    /** How many times the core read a status (never shows a dialog). */
    val statusReads: Int get() = reads.get()

    /**
     * The user's answer to the next dialog, and what the OS reports for the permission from then
     * on ([thenReports]: the answer itself, unless the test imitates an OS that reports a
     * permanent refusal as a plain DENIED). An unscripted dialog is answered NOT_DETERMINED.
     */
    fun answerNextDialog(answer: PermissionStatus, thenReports: PermissionStatus = answer) {
        answers.add(answer to thenReports)
    }

    /** Sets what the OS reports for [permission] (e.g. a change made in the system settings). */
    fun setStatus(permission: Permission, status: PermissionStatus) {
        statuses[permission] = status
    }

    fun statusOf(permission: Permission): PermissionStatus =
        statuses[permission] ?: PermissionStatus.NOT_DETERMINED

    /** Scripted answers not yet consumed by a dialog. */
    fun unusedAnswers(): List<PermissionStatus> = answers.map { it.first }

    override fun status(permission: Permission): PermissionStatus {
        reads.incrementAndGet()
        return statusOf(permission)
    }

    override suspend fun request(permission: Permission): PermissionStatus {
        dialogs.add(permission)
        // A real dialog suspends until the user answers; let the coroutine actually suspend.
        yield()
        val (answer, reported) = answers.poll()
            ?: (PermissionStatus.NOT_DETERMINED to PermissionStatus.NOT_DETERMINED)
        statuses[permission] = reported
        return answer
    }
}

/** Asserts [decision] is `ShowRationale` and returns its rationale, checked for [feature]. */
fun assertRationale(decision: PermissionDecision, feature: Feature, permission: Permission): Rationale {
    if (decision !is PermissionDecision.ShowRationale) {
        throw AssertionError("expected ShowRationale for $feature, got $decision")
    }
    val rationale = decision.rationale
    if (rationale.feature != feature || rationale.permission != permission) {
        throw AssertionError("rationale for $feature/$permission expected, got $rationale")
    }
    for ((name, value) in listOf("title" to rationale.title, "text" to rationale.text, "purpose" to rationale.purpose)) {
        if (value.isBlank()) throw AssertionError("rationale $name is blank: $rationale")
    }
    return rationale
}

/** Asserts [decision] is `Unavailable` and returns the reason. */
fun assertUnavailable(decision: PermissionDecision): UnavailableReason {
    if (decision !is PermissionDecision.Unavailable) {
        throw AssertionError("expected Unavailable, got $decision")
    }
    return decision.reason
}

/** The wait after a refusal before the app may show the OS dialog again: 48 hours. */
const val REFUSAL_WAIT_S: Long = 48 * 3600

/** Unix seconds, from the wall clock the core reads too. */
fun unixNow(): Long = System.currentTimeMillis() / 1000

/** Runs [block] and returns its value with the unix seconds it ran between (first..last). */
inline fun <T> timed(block: () -> T): Pair<T, LongRange> {
    val start = unixNow()
    val value = block()
    return value to start..unixNow()
}

/**
 * Asserts [decision] is `Unavailable(DeniedRecently)` with exactly the wait left after a refusal
 * recorded within [refusedWithin] and decided within [checkedWithin]. The core counts whole
 * seconds, so when both calls ran in the same second the wait is exactly 48 hours; when a second
 * boundary fell between them the window allows for it, and only for it.
 */
fun assertDeniedRecently(decision: PermissionDecision, refusedWithin: LongRange, checkedWithin: LongRange) {
    val reason = assertUnavailable(decision)
    if (reason !is UnavailableReason.DeniedRecently) {
        throw AssertionError("expected DeniedRecently, got $reason")
    }
    val least = REFUSAL_WAIT_S - (checkedWithin.last - refusedWithin.first)
    val most = REFUSAL_WAIT_S - maxOf(0L, checkedWithin.first - refusedWithin.last)
    val left = reason.retryAfterS.toLong()
    if (left !in least..most) {
        throw AssertionError(
            "retryAfterS = $left, expected ${if (least == most) "$most" else "$least..$most"} " +
                "(refused within $refusedWithin, checked within $checkedWithin)",
        )
    }
}
