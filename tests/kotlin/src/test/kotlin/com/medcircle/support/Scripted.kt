package com.medcircle.support

import com.medcircle.core.DeviceInfo
import com.medcircle.core.DeviceInfoProvider
import com.medcircle.core.DeviceOs
import com.medcircle.core.Location
import com.medcircle.core.LocationProvider
import com.medcircle.core.NetworkType
import com.medcircle.core.Permission
import com.medcircle.core.PermissionProvider
import com.medcircle.core.PermissionStatus
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred

// The OS services a JVM does not have, scripted by the test: the one kind of stand-in here.

/**
 * Holds a synchronous callback on the core's thread until the test opens it. It never holds
 * longer than [WAIT], so a failing test cannot hang the core.
 */
class Gate(open: Boolean = false) {
    private val latch = CountDownLatch(if (open) 0 else 1)

    fun open() = latch.countDown()

    fun pass() {
        latch.await(WAIT.inWholeMilliseconds, TimeUnit.MILLISECONDS)
    }
}

/** A call the core is awaiting from the shell (a dialog on screen, a GPS fix): the test answers it. */
open class Pending<T> {
    private val answer = CompletableDeferred<() -> T>()

    /** Answers with what [block] returns, or throws. */
    fun answer(block: () -> T) {
        answer.complete(block)
    }

    /** Suspends (really: no thread is held) until the test answers. */
    suspend fun await(): T = answer.await()()
}

/** An OS permission dialog on screen, waiting for the user (the test). */
class Dialog(val permission: Permission) : Pending<PermissionStatus>()

/**
 * The OS permission API: a status per permission (NOT_DETERMINED until a dialog is answered),
 * and dialogs that stay open until the test answers them.
 */
class ScriptedPermissions : PermissionProvider {
    private val statuses = ConcurrentHashMap<Permission, PermissionStatus>()
    val statusReads = Recording<Permission>("permission status read")
    val dialogs = Recording<Dialog>("permission dialog")

    /** What the OS reports for [permission] (a choice made earlier, in the system settings). */
    fun set(permission: Permission, status: PermissionStatus) {
        statuses[permission] = status
    }

    override fun status(permission: Permission): PermissionStatus {
        statusReads.record(permission)
        return statuses[permission] ?: PermissionStatus.NOT_DETERMINED
    }

    override suspend fun request(permission: Permission): PermissionStatus {
        val dialog = Dialog(permission)
        dialogs.record(dialog)
        val status = dialog.await()
        statuses[permission] = status
        return status
    }
}

/** The OS location service: every reading waits until the test answers it. */
class ScriptedLocation : LocationProvider {
    val readings = Recording<Pending<Location>>("location reading")

    override suspend fun currentLocation(): Location {
        val reading = Pending<Location>()
        readings.record(reading)
        return reading.await()
    }
}

/** The OS's device information; with [holdReads] each read blocks until the test opens [hold]. */
class ScriptedDevice(holdReads: Boolean = false) : DeviceInfoProvider {
    val reads = Recording<Unit>("device information read")
    val hold = Gate(open = !holdReads)

    override fun deviceInfo(): DeviceInfo {
        reads.record(Unit)
        hold.pass()
        return DeviceInfo(
            model = "Pixel 9",
            os = DeviceOs.ANDROID,
            osVersion = "15",
            appVersion = "1.0.0",
            networkType = NetworkType.WIFI,
            carrier = null,
        )
    }
}
