package com.medcircle.android

import com.medcircle.TaskHandle
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * A cold flow over one of the core's observers. Collecting it starts one: [register] hands the
 * core a listener that forwards each value. When collection stops, the observer's [TaskHandle]
 * is cancelled and released, which ends the core's task and lets it drop the listener.
 *
 * The buffer is unbounded: the core calls the listener on its own threads, which must never
 * wait for a slow collector, and no value may be dropped (the feed's diffs only make sense
 * all of them, in order).
 */
internal fun <T> observe(register: (deliver: (T) -> Unit) -> TaskHandle): Flow<T> =
    callbackFlow {
        val handle = register { value -> trySend(value) }
        awaitClose {
            handle.cancel()
            handle.close()
        }
    }.buffer(Channel.UNLIMITED)
