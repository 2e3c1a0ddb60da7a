package com.medcircle.support

import com.medcircle.core.Location
import com.medcircle.core.LocationProvider
import java.util.concurrent.atomic.AtomicInteger

/**
 * The OS location service, scripted: every reading answers [location], and the readings are
 * counted, so a test can tell whether the core read the position at all. The core reads it on
 * its own threads, so the count is thread-safe.
 */
class ScriptedLocation(private val location: Location) : LocationProvider {
    private val readings = AtomicInteger()

    /** How many times the core read the position. */
    val reads: Int get() = readings.get()

    override suspend fun currentLocation(): Location {
        readings.incrementAndGet()
        return location
    }
}
