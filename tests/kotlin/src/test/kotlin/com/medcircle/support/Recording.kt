package com.medcircle.support

import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withTimeoutOrNull

/** How long a test waits for an event before it fails. */
val WAIT = 20.seconds

/** Where a callback ran: the JVM thread, and the name the OS knows the thread by. */
data class CallbackThread(val java: Thread, val nativeName: String) {
    companion object {
        /** The name the core gives its runtime's threads. */
        const val CORE = "medcircle-core"

        /**
         * The calling thread. The native name comes from `/proc/thread-self/comm`: a native
         * thread that JNA attaches to the JVM gets a JVM name of its own, but keeps its OS name.
         */
        fun current(): CallbackThread =
            CallbackThread(Thread.currentThread(), File("/proc/thread-self/comm").readText().trim())
    }
}

/**
 * Everything a core callback delivered, in order, with the thread each value arrived on. Values
 * are handed to the test through a channel, so a test awaits the next event (with [WAIT] as
 * the limit) and never sleeps.
 */
open class Recording<T>(private val what: String) {
    private val channel = Channel<T>(Channel.UNLIMITED)
    private val deliveries = CopyOnWriteArrayList<Pair<T, CallbackThread>>()

    /** How many values arrived so far. */
    val count: Int get() = deliveries.size

    /** Every value so far, with the thread it arrived on. */
    val delivered: List<Pair<T, CallbackThread>> get() = deliveries.toList()

    /** The thread each value arrived on, in order. */
    val threads: List<CallbackThread> get() = deliveries.map { it.second }

    fun record(value: T) {
        deliveries.add(value to CallbackThread.current())
        channel.trySend(value)
    }

    /** The next value not yet taken. */
    suspend fun next(): T =
        withTimeoutOrNull(WAIT) { channel.receive() }
            ?: throw AssertionError("no $what within $WAIT; delivered so far: ${deliveries.map { it.first }}")

    /** Takes values until one satisfies [condition] ([description] names it), and returns it. */
    suspend fun until(description: String, condition: (T) -> Boolean): T =
        withTimeoutOrNull(WAIT) {
            var value = channel.receive()
            while (!condition(value)) value = channel.receive()
            value
        } ?: throw AssertionError("no $what with $description within $WAIT; delivered: ${deliveries.map { it.first }}")
}
