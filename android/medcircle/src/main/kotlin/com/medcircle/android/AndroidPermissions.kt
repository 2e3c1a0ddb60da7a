package com.medcircle.android

import android.Manifest
import android.app.admin.DevicePolicyManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Handler
import android.os.Looper
import android.os.UserManager
import androidx.activity.ComponentActivity
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.ActivityResultRegistry
import androidx.activity.result.contract.ActivityResultContracts.RequestMultiplePermissions
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import com.medcircle.core.Permission
import com.medcircle.core.PermissionProvider
import com.medcircle.core.PermissionStatus
import com.medcircle.core.ProviderException
import kotlinx.coroutines.CompletableDeferred
import java.io.File
import java.util.concurrent.atomic.AtomicReference

/**
 * The OS permission API for the core's permission gate: create one at start, register it with
 * `client.permissions().setProvider(…)`, and [attach] the activity that shows dialogs. The core
 * decides when to ask (after its rationale, never twice within 48 hours of a refusal); this only
 * tells it what Android says, and shows the dialog through the Activity Result API.
 *
 * Android reports "don't ask again" only indirectly: a permission that is not granted and for
 * which the activity should not show a rationale was either never requested or refused for good.
 * The two are told apart by remembering which permissions were requested (outside backups: on
 * another device the record would be wrong), and a dialog dismissed without an answer is told
 * from a refusal the same way.
 *
 * Photos need no permission: the app picks them with the system photo picker, so the answer is
 * always [PermissionStatus.GRANTED] and no dialog is shown.
 */
class AndroidPermissions(context: Context) : PermissionProvider {
    private val context = context.applicationContext
    // Lazily: noBackupFilesDir touches the disk, and the core calls in on its own threads.
    private val requested by lazy {
        RequestedPermissions(File(this.context.noBackupFilesDir, "medcircle-permissions"))
    }
    private val main = Handler(Looper.getMainLooper())

    @Volatile
    private var host: Host? = null

    /** The dialog on screen, if any (the core shows one at a time). */
    private val answer = AtomicReference<CompletableDeferred<Map<String, Boolean>>?>(null)

    /** An activity that can show permission dialogs; see [attach]. */
    class Host internal constructor(
        internal val launcher: ActivityResultLauncher<Array<String>>,
        internal val showsRationale: (String) -> Boolean,
    )

    /**
     * Shows dialogs over [activity] until it is destroyed. Call in `onCreate`. A dialog still
     * open when the activity is recreated (a rotation) is answered to the new one.
     */
    fun attach(activity: ComponentActivity) {
        val host = attach(activity.activityResultRegistry, activity::shouldShowRequestPermissionRationale)
        activity.lifecycle.addObserver(object : DefaultLifecycleObserver {
            override fun onDestroy(owner: LifecycleOwner) =
                detach(host, finishing = !activity.isChangingConfigurations)
        })
    }

    /**
     * Shows dialogs through [registry], asking [showsRationale] (the activity's
     * `shouldShowRequestPermissionRationale`) after a refusal. On the main thread.
     */
    fun attach(registry: ActivityResultRegistry, showsRationale: (String) -> Boolean): Host {
        val launcher = registry.register(RESULT_KEY, RequestMultiplePermissions()) { result ->
            answer.get()?.complete(result)
        }
        return Host(launcher, showsRationale).also { host = it }
    }

    /**
     * Stops showing dialogs through [host]. When the activity is [finishing] for good, a dialog
     * still waiting fails: the core is told, and may ask again later.
     */
    fun detach(host: Host, finishing: Boolean) {
        host.launcher.unregister()
        if (this.host === host) this.host = null
        if (finishing) {
            answer.get()?.completeExceptionally(
                ProviderException.Failed("the activity closed before the dialog was answered"),
            )
        }
    }

    /** Where [permission] stands now, read without asking the user. */
    override fun status(permission: Permission): PermissionStatus {
        val names = androidPermissions(permission)
        settled(permission, names)?.let { return it }
        if (!requested.contains(permission)) return PermissionStatus.NOT_DETERMINED
        // Without an activity the OS cannot be asked whether it would still show its dialog.
        val host = host ?: return PermissionStatus.DENIED
        return if (names.any(host.showsRationale)) PermissionStatus.DENIED else PermissionStatus.DENIED_PERMANENTLY
    }

    override suspend fun request(permission: Permission): PermissionStatus {
        val names = androidPermissions(permission)
        settled(permission, names)?.let { return it }
        val host = host ?: throw ProviderException.Failed("no activity attached to show the permission dialog")
        val firstRequest = !requested.contains(permission)
        val result = ask(host, names)
        if (result.isEmpty()) {
            // The request was interrupted (no answer at all): nothing changed.
            return status(permission)
        }
        val outcome = outcome(
            granted = result.values.any { it },
            showsRationale = names.any(host.showsRationale),
            firstRequest = firstRequest,
        )
        if (outcome != PermissionStatus.NOT_DETERMINED) requested.record(permission)
        return outcome
    }

    private suspend fun ask(host: Host, names: List<String>): Map<String, Boolean> {
        val pending = CompletableDeferred<Map<String, Boolean>>()
        if (!answer.compareAndSet(null, pending)) {
            throw ProviderException.Failed("a permission dialog is already showing")
        }
        try {
            main.post {
                try {
                    host.launcher.launch(names.toTypedArray())
                } catch (e: IllegalStateException) {
                    pending.completeExceptionally(ProviderException.Failed("cannot show the dialog: ${e.message}"))
                }
            }
            return pending.await()
        } finally {
            answer.compareAndSet(pending, null)
        }
    }

    /** What needs no dialog: photos (the picker), a device policy, a permission already granted. */
    private fun settled(permission: Permission, names: List<String>): PermissionStatus? = when {
        names.isEmpty() -> PermissionStatus.GRANTED
        restricted(permission) -> PermissionStatus.RESTRICTED
        names.any { context.checkSelfPermission(it) == PackageManager.PERMISSION_GRANTED } -> PermissionStatus.GRANTED
        else -> null
    }

    private fun restricted(permission: Permission): Boolean = when (permission) {
        Permission.CAMERA ->
            context.getSystemService(DevicePolicyManager::class.java)?.getCameraDisabled(null) == true
        Permission.LOCATION ->
            context.getSystemService(UserManager::class.java)
                ?.hasUserRestriction(UserManager.DISALLOW_SHARE_LOCATION) == true
        Permission.PHOTOS -> false
    }

    internal companion object {
        const val RESULT_KEY = "com.medcircle.android.permissions"

        /** The Android permissions behind each of the core's; location is granted when either
         * precision is (the user may choose approximate). */
        fun androidPermissions(permission: Permission): List<String> = when (permission) {
            Permission.CAMERA -> listOf(Manifest.permission.CAMERA)
            Permission.LOCATION -> listOf(
                Manifest.permission.ACCESS_FINE_LOCATION,
                Manifest.permission.ACCESS_COARSE_LOCATION,
            )
            Permission.PHOTOS -> emptyList()
        }

        /**
         * What a dialog's answer means. Refused with a rationale to show: a plain refusal.
         * Refused without one: "don't ask again" (or the OS's own second-refusal rule), unless
         * this was the first request, where it means the dialog was dismissed unanswered.
         */
        fun outcome(granted: Boolean, showsRationale: Boolean, firstRequest: Boolean): PermissionStatus =
            when {
                granted -> PermissionStatus.GRANTED
                showsRationale -> PermissionStatus.DENIED
                firstRequest -> PermissionStatus.NOT_DETERMINED
                else -> PermissionStatus.DENIED_PERMANENTLY
            }
    }
}

/** Which of the core's permissions the app has requested from the OS: one empty file each. */
internal class RequestedPermissions(private val dir: File) {
    fun contains(permission: Permission) = File(dir, permission.name).exists()

    fun record(permission: Permission) {
        dir.mkdirs()
        File(dir, permission.name).createNewFile()
    }
}
