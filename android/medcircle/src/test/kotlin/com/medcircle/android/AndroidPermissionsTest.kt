package com.medcircle.android

import android.Manifest.permission.ACCESS_COARSE_LOCATION
import android.Manifest.permission.ACCESS_FINE_LOCATION
import android.Manifest.permission.CAMERA
import android.app.admin.DevicePolicyManager
import android.content.ComponentName
import android.content.pm.PackageManager
import android.os.Looper
import android.os.UserManager
import androidx.activity.ComponentActivity
import com.medcircle.core.Permission
import com.medcircle.core.PermissionStatus
import com.medcircle.core.ProviderException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController

/**
 * Every state Android can be in maps to the core's status, and requests go through a real
 * ComponentActivity's Activity Result registry to the OS dialog (Robolectric's).
 */
// The OS answers a dialog through the deprecated callback, which ComponentActivity forwards to
// its Activity Result registry: that is what the tests play.
@Suppress("DEPRECATION")
@RunWith(RobolectricTestRunner::class)
class AndroidPermissionsTest {
    private val app = RuntimeEnvironment.getApplication()
    private val controller: ActivityController<ComponentActivity> =
        Robolectric.buildActivity(ComponentActivity::class.java).setup()
    private val activity = controller.get()
    private val permissions = AndroidPermissions(app).also { it.attach(activity) }

    @Test
    fun photos_need_no_permission_and_no_dialog() = runBlocking {
        assertEquals(PermissionStatus.GRANTED, permissions.status(Permission.PHOTOS))
        assertEquals(PermissionStatus.GRANTED, permissions.request(Permission.PHOTOS))
        assertEquals(null, shadowOf(activity).lastRequestedPermission)
    }

    @Test
    fun never_requested_is_not_determined_and_granted_is_granted() {
        assertEquals(PermissionStatus.NOT_DETERMINED, permissions.status(Permission.CAMERA))
        assertEquals(PermissionStatus.NOT_DETERMINED, permissions.status(Permission.LOCATION))
        shadowOf(app).grantPermissions(CAMERA)
        assertEquals(PermissionStatus.GRANTED, permissions.status(Permission.CAMERA))
    }

    @Test
    fun approximate_location_is_enough() {
        shadowOf(app).grantPermissions(ACCESS_COARSE_LOCATION)
        assertEquals(PermissionStatus.GRANTED, permissions.status(Permission.LOCATION))
    }

    @Test
    fun a_request_shows_the_dialog_for_the_android_permissions() = runBlocking {
        val outcome = request(Permission.LOCATION)
        val shown = shadowOf(activity).lastRequestedPermission
        assertArrayEquals(arrayOf(ACCESS_FINE_LOCATION, ACCESS_COARSE_LOCATION), shown.requestedPermissions)
        answer(granted = true)
        assertEquals(PermissionStatus.GRANTED, outcome.await())
    }

    @Test
    fun a_refusal_with_a_rationale_to_show_is_a_plain_refusal() = runBlocking {
        val outcome = request(Permission.CAMERA)
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(CAMERA, true)
        answer(granted = false)
        assertEquals(PermissionStatus.DENIED, outcome.await())
        assertEquals(PermissionStatus.DENIED, permissions.status(Permission.CAMERA))
    }

    @Test
    fun a_refusal_after_an_earlier_one_without_a_rationale_is_dont_ask_again() = runBlocking {
        val first = request(Permission.CAMERA)
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(CAMERA, true)
        answer(granted = false)
        assertEquals(PermissionStatus.DENIED, first.await())

        val second = request(Permission.CAMERA)
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(CAMERA, false)
        answer(granted = false)
        assertEquals(PermissionStatus.DENIED_PERMANENTLY, second.await())
        assertEquals(PermissionStatus.DENIED_PERMANENTLY, permissions.status(Permission.CAMERA))
    }

    @Test
    fun a_first_dialog_dismissed_unanswered_leaves_it_undetermined() = runBlocking {
        val outcome = request(Permission.CAMERA)
        answer(granted = false)
        assertEquals(PermissionStatus.NOT_DETERMINED, outcome.await())
        assertEquals(PermissionStatus.NOT_DETERMINED, permissions.status(Permission.CAMERA))
    }

    @Test
    fun an_interrupted_request_changes_nothing() = runBlocking {
        val outcome = request(Permission.CAMERA)
        val shown = shadowOf(activity).lastRequestedPermission
        activity.onRequestPermissionsResult(shown.requestCode, arrayOf(), intArrayOf())
        assertEquals(PermissionStatus.NOT_DETERMINED, outcome.await())
    }

    @Test
    fun the_answer_reaches_the_activity_recreated_meanwhile() = runBlocking {
        val outcome = request(Permission.CAMERA)
        val shown = shadowOf(activity).lastRequestedPermission
        val recreated = controller.recreate().get()
        permissions.attach(recreated)
        shadowOf(app).grantPermissions(CAMERA)
        recreated.onRequestPermissionsResult(shown.requestCode, arrayOf(CAMERA), intArrayOf(PackageManager.PERMISSION_GRANTED))
        assertEquals(PermissionStatus.GRANTED, withTimeout(5_000) { outcome.await() })
    }

    @Test
    fun a_dialog_whose_activity_finishes_fails_the_request() = runBlocking {
        // Its own scope: the request's failure is awaited here, not the test's.
        val failure = supervisorScope {
            val outcome = request(Permission.CAMERA)
            controller.pause().stop().destroy()
            runCatching { withTimeout(5_000) { outcome.await() } }.exceptionOrNull()
        }
        assertTrue("got $failure", failure is ProviderException.Failed)
    }

    @Test
    fun without_an_activity_a_request_fails_and_a_refusal_reads_as_plain() = runBlocking {
        val alone = AndroidPermissions(app)
        val failure = runCatching { alone.request(Permission.CAMERA) }.exceptionOrNull()
        assertTrue("got $failure", failure is ProviderException.Failed)
        RequestedPermissions(java.io.File(app.noBackupFilesDir, "medcircle-permissions")).record(Permission.CAMERA)
        assertEquals(PermissionStatus.DENIED, alone.status(Permission.CAMERA))
    }

    @Test
    fun device_policy_restricts_camera_and_location() {
        val dpm = app.getSystemService(DevicePolicyManager::class.java)!!
        val admin = ComponentName(app, "com.example.Admin")
        shadowOf(dpm).setActiveAdmin(admin)
        dpm.setCameraDisabled(admin, true)
        assertEquals(PermissionStatus.RESTRICTED, permissions.status(Permission.CAMERA))

        @Suppress("DEPRECATION")
        app.getSystemService(UserManager::class.java)!!.setUserRestriction(UserManager.DISALLOW_SHARE_LOCATION, true)
        assertEquals(PermissionStatus.RESTRICTED, permissions.status(Permission.LOCATION))
    }

    @Test
    fun outcomes_of_a_dialog() {
        fun outcome(granted: Boolean, rationale: Boolean, first: Boolean) =
            AndroidPermissions.outcome(granted, rationale, first)
        for (rationale in listOf(true, false)) for (first in listOf(true, false)) {
            assertEquals(PermissionStatus.GRANTED, outcome(true, rationale, first))
        }
        assertEquals(PermissionStatus.DENIED, outcome(false, rationale = true, first = true))
        assertEquals(PermissionStatus.DENIED, outcome(false, rationale = true, first = false))
        assertEquals(PermissionStatus.NOT_DETERMINED, outcome(false, rationale = false, first = true))
        assertEquals(PermissionStatus.DENIED_PERMANENTLY, outcome(false, rationale = false, first = false))
    }

    /** Starts a request and runs the main thread's queue, where it shows its dialog. */
    private fun CoroutineScope.request(permission: Permission): Deferred<PermissionStatus> {
        val outcome = async(start = CoroutineStart.UNDISPATCHED) { permissions.request(permission) }
        shadowOf(Looper.getMainLooper()).idle()
        return outcome
    }

    /** The user answers the dialog on screen for all its permissions. */
    private fun answer(granted: Boolean) {
        val shown = shadowOf(activity).lastRequestedPermission
        if (granted) shadowOf(app).grantPermissions(*shown.requestedPermissions)
        val result = if (granted) PackageManager.PERMISSION_GRANTED else PackageManager.PERMISSION_DENIED
        activity.onRequestPermissionsResult(
            shown.requestCode,
            shown.requestedPermissions,
            IntArray(shown.requestedPermissions.size) { result },
        )
    }
}
