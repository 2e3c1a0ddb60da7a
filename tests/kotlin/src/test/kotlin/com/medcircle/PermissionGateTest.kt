package com.medcircle

import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Feature
import com.medcircle.core.Permission
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PermissionStatus
import com.medcircle.core.UnavailableReason
import com.medcircle.support.FakeOs
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.assertDeniedRecently
import com.medcircle.support.assertRationale
import com.medcircle.support.assertUnavailable
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import com.medcircle.support.timed
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The permission gate, with a scripted [FakeOs] in place of the OS permission API: consent
 * first, the rationale before the dialog, one dialog per permission, and a refusal respected.
 */
class PermissionGateTest : ServerTest() {

    private val allowed = PermissionDecision.Allowed

    private fun unavailable(reason: UnavailableReason) = PermissionDecision.Unavailable(reason)

    private fun consentRequired(purpose: ConsentPurpose) =
        unavailable(UnavailableReason.ConsentRequired(purpose))

    @Test
    fun `before the policy is accepted no feature is available and the OS is never asked`() = runBlocking {
        val os = FakeOs()
        openClient(server, dataDir).use { client ->
            client.permissions().use { permissions ->
                permissions.setProvider(os)

                for (feature in Feature.entries) {
                    assertEquals(consentRequired(ConsentPurpose.PRIVACY_POLICY), permissions.check(feature), "check($feature)")
                    assertEquals(consentRequired(ConsentPurpose.PRIVACY_POLICY), permissions.request(feature), "request($feature)")
                }
                assertEquals(0, os.statusReads, "the OS status was read before the policy was accepted")
                assertEquals(emptyList<Permission>(), os.dialogs, "a dialog was shown before the policy was accepted")
                assertEquals(emptyList<Any>(), server.devRequests(), "the gate reached the server")

                val (policy, status) = client.acceptPolicy()
                assertEquals(policy.version, status.acceptedVersion)

                val rationale = assertRationale(permissions.check(Feature.POST_PHOTOS), Feature.POST_PHOTOS, Permission.CAMERA)
                assertTrue(rationale.title.isNotBlank() && rationale.text.isNotBlank() && rationale.purpose.isNotBlank(), "$rationale")
                assertTrue(os.statusReads >= 1, "check must read the OS status once the policy is accepted")

                // The other features: the rationale for their own permission, or the consent they lack.
                assertRationale(permissions.check(Feature.SCAN_TO_LOGIN), Feature.SCAN_TO_LOGIN, Permission.CAMERA)
                assertRationale(permissions.check(Feature.FEEDBACK_PHOTOS), Feature.FEEDBACK_PHOTOS, Permission.PHOTOS)
                assertEquals(consentRequired(ConsentPurpose.IDENTITY_VERIFICATION), permissions.check(Feature.CERTIFICATION_PHOTOS))
                assertEquals(consentRequired(ConsentPurpose.PRECISE_LOCATION), permissions.check(Feature.POSITIONING))

                // Each feature explains itself in its own words.
                val texts = listOf(Feature.SCAN_TO_LOGIN, Feature.POST_PHOTOS, Feature.FEEDBACK_PHOTOS)
                    .map { (permissions.check(it) as PermissionDecision.ShowRationale).rationale }
                assertEquals(3, texts.map { it.title }.toSet().size, "titles: $texts")
                assertEquals(3, texts.map { it.text }.toSet().size, "texts: $texts")

                assertEquals(emptyList<Permission>(), os.dialogs, "check must never show a dialog")
            }
        }
    }

    @Test
    fun `rationale, then the OS grants, then the feature and its siblings are allowed`() = runBlocking {
        val os = FakeOs()
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.permissions().use { permissions ->
                permissions.setProvider(os)
                assertRationale(permissions.check(Feature.POST_PHOTOS), Feature.POST_PHOTOS, Permission.CAMERA)
                assertEquals(emptyList<Permission>(), os.dialogs)

                os.answerNextDialog(PermissionStatus.GRANTED)
                assertEquals(allowed, permissions.request(Feature.POST_PHOTOS))
                assertEquals(listOf(Permission.CAMERA), os.dialogs)
                assertEquals(emptyList<PermissionStatus>(), os.unusedAnswers())

                assertEquals(allowed, permissions.check(Feature.POST_PHOTOS))
                // The camera is granted: scanning to log in needs no second dialog.
                assertEquals(allowed, permissions.check(Feature.SCAN_TO_LOGIN))
                assertEquals(allowed, permissions.request(Feature.SCAN_TO_LOGIN))
                assertEquals(allowed, permissions.request(Feature.POST_PHOTOS))
                assertEquals(1, os.dialogs.size, "dialogs: ${os.dialogs}")

                // The photo library is another permission, still undecided.
                assertRationale(permissions.check(Feature.FEEDBACK_PHOTOS), Feature.FEEDBACK_PHOTOS, Permission.PHOTOS)
                // Another handle on the same client shares the provider.
                client.permissions().use { again ->
                    assertEquals(allowed, again.check(Feature.POST_PHOTOS))
                }
                assertEquals(1, os.dialogs.size, "dialogs: ${os.dialogs}")
            }
        }
    }

    @Test
    fun `a refusal blocks new dialogs for 48 hours and disables only that permission`() = runBlocking {
        val os = FakeOs()
        val phone = "13800138005"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.permissions().use { permissions ->
                permissions.setProvider(os)

                os.answerNextDialog(PermissionStatus.DENIED)
                val (denied, refusedWithin) = timed { permissions.request(Feature.POST_PHOTOS) }
                assertDeniedRecently(denied, refusedWithin, refusedWithin)
                if (refusedWithin.first == refusedWithin.last) {
                    assertEquals(unavailable(UnavailableReason.DeniedRecently(172_800u)), denied)
                }
                assertEquals(listOf(Permission.CAMERA), os.dialogs)

                // Asking again within 48 hours shows no dialog, for any feature on the camera.
                for (feature in listOf(Feature.POST_PHOTOS, Feature.SCAN_TO_LOGIN)) {
                    val (again, againWithin) = timed { permissions.request(feature) }
                    assertDeniedRecently(again, refusedWithin, againWithin)
                    val (checked, checkedWithin) = timed { permissions.check(feature) }
                    assertDeniedRecently(checked, refusedWithin, checkedWithin)
                }
                assertEquals(listOf(Permission.CAMERA), os.dialogs, "a dialog was shown again after a refusal")

                // Another permission is not affected.
                assertRationale(permissions.check(Feature.FEEDBACK_PHOTOS), Feature.FEEDBACK_PHOTOS, Permission.PHOTOS)

                // Nor is anything that needs no permission: an SMS login still works.
                val user = client.loginWithSms(server, phone)
                assertEquals("138****8005", user.phoneMasked)
                client.auth().use { auth -> assertEquals(user.id, auth.whoami().id) }
                val (stillDenied, stillWithin) = timed { permissions.check(Feature.POST_PHOTOS) }
                assertDeniedRecently(stillDenied, refusedWithin, stillWithin)

                // "Don't ask again" on the photo library: only Settings can change it.
                os.answerNextDialog(PermissionStatus.DENIED_PERMANENTLY)
                val permanent = unavailable(UnavailableReason.DeniedPermanently)
                assertEquals(permanent, permissions.request(Feature.FEEDBACK_PHOTOS))
                assertEquals(listOf(Permission.CAMERA, Permission.PHOTOS), os.dialogs)
                assertEquals(permanent, permissions.check(Feature.FEEDBACK_PHOTOS))
                assertEquals(permanent, permissions.request(Feature.FEEDBACK_PHOTOS))
                assertEquals(2, os.dialogs.size, "dialogs: ${os.dialogs}")

                // The user allows the camera in Settings: the OS status wins over the old refusal.
                os.setStatus(Permission.CAMERA, PermissionStatus.GRANTED)
                assertEquals(allowed, permissions.check(Feature.POST_PHOTOS))
                assertEquals(allowed, permissions.request(Feature.SCAN_TO_LOGIN))
                assertEquals(2, os.dialogs.size, "dialogs: ${os.dialogs}")
            }
        }
    }

    @Test
    fun `positioning needs its consent and the in-app switch, and stops at once when withdrawn`() = runBlocking {
        val os = FakeOs()
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.permissions().use { permissions ->
                client.consent().use { consent ->
                    permissions.setProvider(os)
                    assertFalse(permissions.positioningEnabled(), "positioning must be off by default")

                    val noConsent = consentRequired(ConsentPurpose.PRECISE_LOCATION)
                    assertEquals(noConsent, permissions.check(Feature.POSITIONING))
                    assertEquals(noConsent, permissions.request(Feature.POSITIONING))

                    consent.grant(ConsentPurpose.PRECISE_LOCATION)
                    val off = unavailable(UnavailableReason.PositioningOff)
                    assertEquals(off, permissions.check(Feature.POSITIONING))
                    assertEquals(off, permissions.request(Feature.POSITIONING))
                    assertEquals(0, os.statusReads, "location status read before consent and switch allowed it")

                    permissions.setPositioningEnabled(true)
                    assertTrue(permissions.positioningEnabled())
                    assertRationale(permissions.check(Feature.POSITIONING), Feature.POSITIONING, Permission.LOCATION)
                    assertEquals(emptyList<Permission>(), os.dialogs)

                    os.answerNextDialog(PermissionStatus.GRANTED)
                    assertEquals(allowed, permissions.request(Feature.POSITIONING))
                    assertEquals(listOf(Permission.LOCATION), os.dialogs)
                    assertEquals(allowed, permissions.check(Feature.POSITIONING))

                    // Withdrawing is as easy as granting and takes effect at once, OS grant or not.
                    val withdrawn = consent.withdraw(ConsentPurpose.PRECISE_LOCATION)
                    assertFalse(withdrawn.granted, "$withdrawn")
                    assertEquals(noConsent, permissions.check(Feature.POSITIONING))
                    assertEquals(noConsent, permissions.request(Feature.POSITIONING))
                    assertFalse(permissions.positioningEnabled(), "withdrawing location consent turns positioning off")

                    // Granted again: positioning stays off until the user turns it on.
                    consent.grant(ConsentPurpose.PRECISE_LOCATION)
                    assertEquals(off, permissions.check(Feature.POSITIONING))
                    permissions.setPositioningEnabled(true)
                    assertEquals(allowed, permissions.check(Feature.POSITIONING))
                    permissions.setPositioningEnabled(false)
                    assertFalse(permissions.positioningEnabled())
                    assertEquals(off, permissions.check(Feature.POSITIONING))

                    // Certificate photos need identity-verification consent, camera or not.
                    val noIdentity = consentRequired(ConsentPurpose.IDENTITY_VERIFICATION)
                    assertEquals(noIdentity, permissions.check(Feature.CERTIFICATION_PHOTOS))
                    assertEquals(noIdentity, permissions.request(Feature.CERTIFICATION_PHOTOS))
                    consent.grant(ConsentPurpose.IDENTITY_VERIFICATION)
                    assertRationale(
                        permissions.check(Feature.CERTIFICATION_PHOTOS),
                        Feature.CERTIFICATION_PHOTOS,
                        Permission.CAMERA,
                    )
                    // The feature needing no extra consent never depended on it.
                    assertRationale(permissions.check(Feature.POST_PHOTOS), Feature.POST_PHOTOS, Permission.CAMERA)
                    assertEquals(listOf(Permission.LOCATION), os.dialogs)
                }
            }
        }
    }

    @Test
    fun `an OS that is restricted, or absent, never shows a dialog`() = runBlocking {
        val os = FakeOs()
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.permissions().use { permissions ->
                // No provider registered yet: the gate says so instead of guessing.
                val noProvider = unavailable(UnavailableReason.NoProvider)
                assertEquals(noProvider, permissions.check(Feature.POST_PHOTOS))
                assertEquals(noProvider, permissions.request(Feature.POST_PHOTOS))

                permissions.setProvider(os)
                os.setStatus(Permission.CAMERA, PermissionStatus.RESTRICTED)
                val restricted = unavailable(UnavailableReason.Restricted)
                assertEquals(restricted, permissions.check(Feature.SCAN_TO_LOGIN))
                assertEquals(restricted, permissions.request(Feature.SCAN_TO_LOGIN))
                assertEquals(emptyList<Permission>(), os.dialogs)
            }
        }
    }

    @Test
    fun `refusals and the positioning switch survive closing the client`() = runBlocking {
        val first = FakeOs()
        val refusedWithin = openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.permissions().use { permissions ->
                permissions.setProvider(first)
                permissions.setPositioningEnabled(true)

                first.answerNextDialog(PermissionStatus.DENIED)
                val (denied, refusedWithin) = timed { permissions.request(Feature.SCAN_TO_LOGIN) }
                assertDeniedRecently(denied, refusedWithin, refusedWithin)

                // Some OSes report "don't ask again" as a plain DENIED afterwards: the core remembers.
                first.answerNextDialog(PermissionStatus.DENIED_PERMANENTLY, thenReports = PermissionStatus.DENIED)
                assertEquals(unavailable(UnavailableReason.DeniedPermanently), permissions.request(Feature.FEEDBACK_PHOTOS))
                assertEquals(PermissionStatus.DENIED, first.statusOf(Permission.PHOTOS))
                assertEquals(unavailable(UnavailableReason.DeniedPermanently), permissions.check(Feature.FEEDBACK_PHOTOS))
                assertEquals(listOf(Permission.CAMERA, Permission.PHOTOS), first.dialogs)
                refusedWithin
            }
        }

        // A new process: the OS still says DENIED for both, and the provider must be registered again.
        val second = FakeOs()
        second.setStatus(Permission.CAMERA, PermissionStatus.DENIED)
        second.setStatus(Permission.PHOTOS, PermissionStatus.DENIED)
        openClient(server, dataDir).use { client ->
            client.permissions().use { permissions ->
                assertTrue(permissions.positioningEnabled(), "the positioning switch was lost")
                assertEquals(unavailable(UnavailableReason.NoProvider), permissions.check(Feature.POST_PHOTOS))

                permissions.setProvider(second)
                val (denied, checkedWithin) = timed { permissions.request(Feature.POST_PHOTOS) }
                assertDeniedRecently(denied, refusedWithin, checkedWithin)
                assertEquals(unavailable(UnavailableReason.DeniedPermanently), permissions.request(Feature.FEEDBACK_PHOTOS))
                assertEquals(emptyList<Permission>(), second.dialogs, "a refusal was forgotten on reopen")
            }
        }
    }
}
