package com.medcircle.support

import com.medcircle.core.DeviceInfo
import com.medcircle.core.DeviceInfoProvider
import java.util.concurrent.atomic.AtomicInteger

/**
 * The OS's device information, scripted: every read answers [info], and the reads are counted,
 * so a test can tell whether (and how often) the core asked. The core calls [deviceInfo] from
 * its own threads, so the count is thread-safe.
 */
class ScriptedDevice(private val info: DeviceInfo) : DeviceInfoProvider {
    private val reads = AtomicInteger()

    /** How many times the core read the device information. */
    val calls: Int get() = reads.get()

    override fun deviceInfo(): DeviceInfo {
        reads.incrementAndGet()
        return info
    }
}
