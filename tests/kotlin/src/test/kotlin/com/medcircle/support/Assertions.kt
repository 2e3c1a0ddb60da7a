package com.medcircle.support

import com.medcircle.core.SessionState
import com.medcircle.core.UserProfile
import org.junit.jupiter.api.Assertions.assertEquals

/**
 * Runs [block] (which may call suspend functions when used inside `runBlocking`) and returns
 * the exception it threw, failing unless it is a [T].
 */
inline fun <reified T : Throwable> expectThrows(block: () -> Any?): T {
    val outcome = try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.qualifiedName}, got ${e::class.qualifiedName}: ${e.message}", e)
    }
    throw AssertionError("expected ${T::class.qualifiedName}, but the call returned $outcome")
}

/** Asserts [state] is `LoggedIn` and returns its user. */
fun assertLoggedIn(state: SessionState): UserProfile {
    if (state !is SessionState.LoggedIn) throw AssertionError("expected LoggedIn, got $state")
    return state.user
}

fun assertLoggedOut(state: SessionState) {
    assertEquals(SessionState.LoggedOut, state, "expected LoggedOut")
}
