package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.CertificateKind
import com.medcircle.core.CertificationState
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Feature
import com.medcircle.core.LedgerFilter
import com.medcircle.core.Location
import com.medcircle.core.Permission
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionStatus
import com.medcircle.core.ProviderException
import com.medcircle.core.UnavailableReason
import com.medcircle.support.ProgressRecorder
import com.medcircle.support.ScriptedLocation
import com.medcircle.support.ScriptedPermissions
import com.medcircle.support.ServerTest
import com.medcircle.support.png
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The shell's async traits implemented as Kotlin suspend functions that really suspend (on a
 * deferred the test completes): the core awaits them without holding a thread, takes their
 * answer, and turns an exception thrown in them into its own typed answer.
 */
class AsyncProviderTest : ServerTest() {
    @Test
    fun `a permission dialog that suspends holds the request until the user answers`() = runBlocking {
        val permissions = consentedClient().permissions()
        val os = ScriptedPermissions()
        permissions.setProvider(os)

        val request = async { permissions.request(Feature.POST_PHOTOS) }
        val dialog = os.dialogs.next()
        assertEquals(Permission.CAMERA, dialog.permission)
        assertFalse(request.isCompleted, "the request waits for the dialog")
        dialog.answer { PermissionStatus.GRANTED }
        assertEquals(PermissionDecision.Allowed, request.await())
    }

    @Test
    fun `a permission provider that throws is answered ProviderFailed, and nothing is recorded`() = runBlocking {
        val permissions = consentedClient().permissions()
        val os = ScriptedPermissions()
        permissions.setProvider(os)

        val typed = async { permissions.request(Feature.POST_PHOTOS) }
        os.dialogs.next().answer { throw ProviderException.Failed("相机服务不可用") }
        assertProviderFailed(typed.await(), "相机服务不可用")

        val untyped = async { permissions.request(Feature.POST_PHOTOS) }
        os.dialogs.next().answer { throw IllegalStateException("camera service died") }
        assertProviderFailed(untyped.await(), "camera service died")

        val decision = permissions.check(Feature.POST_PHOTOS)
        assertTrue(decision is PermissionDecision.ShowRationale, "a failure is not a refusal: $decision")
    }

    @Test
    fun `a location reading that suspends is awaited, and one that throws leaves the position out`() = runBlocking {
        val client = loggedInClient()
        val permissions = client.permissions()
        val os = ScriptedPermissions().apply { set(Permission.LOCATION, PermissionStatus.GRANTED) }
        val gps = ScriptedLocation()
        permissions.setProvider(os)
        permissions.setLocationProvider(gps)
        permissions.setPositioningEnabled(true)
        client.consent().use { consent ->
            consent.grant(ConsentPurpose.IDENTITY_VERIFICATION)
            consent.grant(ConsentPurpose.PRECISE_LOCATION)
        }
        val certification = client.certification()
        val photo = CancelToken().use { cancel ->
            certification.uploadPhoto(CertificateKind.PHYSICIAN, png(4096), ProgressRecorder(), cancel)
        }
        suspend fun locationsSent() =
            client.privacy().ledger(LedgerFilter(item = "precise_location", purpose = null, since = null, until = null))

        val withoutFix = async { certification.submit(ID_NUMBER, listOf(photo.photoId)) }
        gps.readings.next().answer { throw ProviderException.Failed("定位超时") }
        assertEquals(CertificationState.Pending, withoutFix.await().state)
        assertEquals(listOf<Any>(), locationsSent(), "no position went with the application")

        val withFix = async { certification.submit(ID_NUMBER, listOf(photo.photoId)) }
        val reading = gps.readings.next()
        assertFalse(withFix.isCompleted, "the application waits for the reading")
        reading.answer { Location(latitude = 39.9042, longitude = 116.4074, accuracyM = 12.5) }
        assertEquals(CertificationState.Pending, withFix.await().state)
        assertEquals(listOf("/v1/me/certification"), locationsSent().map { it.endpoint })
    }

    private fun assertProviderFailed(decision: PermissionDecision, message: String) {
        val reason = (decision as? PermissionDecision.Unavailable)?.reason
        assertTrue(reason is UnavailableReason.ProviderFailed, "expected ProviderFailed, got $decision")
        val detail = (reason as UnavailableReason.ProviderFailed).detail
        assertTrue(message in detail, "the provider's message in '$detail'")
    }

    private companion object {
        /** A valid mainland ID number (its check character is an X). */
        const val ID_NUMBER = "11010519491231002X"
    }
}
