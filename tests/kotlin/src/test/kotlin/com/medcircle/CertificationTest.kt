package com.medcircle

import com.medcircle.core.CancelToken
import com.medcircle.core.CertificateKind
import com.medcircle.core.CertificationException
import com.medcircle.core.CertificationState
import com.medcircle.core.CertificationStatus
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Location
import com.medcircle.core.Permission
import com.medcircle.core.PermissionStatus
import com.medcircle.core.UploadProgress
import com.medcircle.support.FakeOs
import com.medcircle.support.HeldCertification
import com.medcircle.support.MASKED_ID_NUMBER
import com.medcircle.support.RecordingCertificationListener
import com.medcircle.support.RecordingUploadProgress
import com.medcircle.support.ScriptedLocation
import com.medcircle.support.ServerTest
import com.medcircle.support.VALID_ID_NUMBER
import com.medcircle.support.acceptPolicy
import com.medcircle.support.certificatePng
import com.medcircle.support.certify
import com.medcircle.support.expectThrows
import com.medcircle.support.loginWithSms
import com.medcircle.support.openClient
import com.medcircle.support.timed
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Physician certification against the reference server, whose dev reviewer
 * (`/dev/certification/decide`) approves or rejects: certificate photos and the ID number
 * under their own consent (IDENTITY_VERIFICATION), uploads with progress and cancellation, the
 * review observed, the ID number masked everywhere, and the position only when positioning
 * allows it.
 */
class CertificationTest : ServerTest() {

    private val photos = "/v1/me/certification/photos"

    private fun certificationRequests() =
        server.devRequests().filter { it.path.startsWith("/v1/me/certification") }

    private fun notSubmitted() = CertificationStatus(
        state = CertificationState.NotSubmitted,
        idNumberMasked = null,
        photoCount = 0u,
        submittedAt = null,
        decidedAt = null,
    )

    @Test
    fun `certificates and the ID number need their own consent`() = runBlocking {
        val phone = "13800139101"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, phone)
            client.certification().use { certification ->
                // Checking a typed number is local and needs no consent; the full number never comes back.
                assertEquals(MASKED_ID_NUMBER, certification.checkIdNumber(VALID_ID_NUMBER))
                assertEquals(MASKED_ID_NUMBER, certification.checkIdNumber(" 11010519491231002x "))
                for (bad in listOf("110105194912310021", "12345", "11010519491331002X")) {
                    val refused = expectThrows<CertificationException.InvalidIdNumber> { certification.checkIdNumber(bad) }
                    assertTrue(refused.reason.isNotBlank(), "no reason for $bad")
                }

                val progress = RecordingUploadProgress()
                val upload = expectThrows<CertificationException.ConsentRequired> {
                    CancelToken().use { cancel ->
                        certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(1000), progress, cancel)
                    }
                }
                assertEquals(ConsentPurpose.IDENTITY_VERIFICATION, upload.purpose)
                val submit = expectThrows<CertificationException.ConsentRequired> {
                    certification.submit(VALID_ID_NUMBER, listOf("photo"))
                }
                assertEquals(ConsentPurpose.IDENTITY_VERIFICATION, submit.purpose)
                assertEquals(emptyList<Any>(), progress.reports.all(), "bytes went out without consent")
                assertEquals(emptyList<Any>(), certificationRequests(), "reached the server without consent")
                assertEquals(notSubmitted(), certification.status())

                // Granted, the same upload goes through; withdrawn, it is refused again.
                client.consent().use { consent ->
                    assertTrue(consent.grant(ConsentPurpose.IDENTITY_VERIFICATION).granted)
                    val photo = CancelToken().use { cancel ->
                        certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(1000), RecordingUploadProgress(), cancel)
                    }
                    assertEquals(1000uL, photo.sizeBytes)
                    assertFalse(consent.withdraw(ConsentPurpose.IDENTITY_VERIFICATION).granted)
                    val again = expectThrows<CertificationException.ConsentRequired> {
                        certification.submit(VALID_ID_NUMBER, listOf(photo.photoId))
                    }
                    assertEquals(ConsentPurpose.IDENTITY_VERIFICATION, again.purpose)
                }
                assertEquals(1, certificationRequests().size, "requests: ${certificationRequests()}")
            }
        }
    }

    @Test
    fun `an upload reports its progress, the application is reviewed, and a listener sees every change`() = runBlocking {
        val phone = "13800139102"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            val user = client.loginWithSms(server, phone)
            client.consent().use { it.grant(ConsentPurpose.IDENTITY_VERIFICATION) }
            client.certification().use { certification ->
                val listener = RecordingCertificationListener()
                val observer = certification.observeStatus(listener)
                try {
                    assertEquals(
                        listOf(notSubmitted()),
                        listener.statuses.await("the current status") { it.isNotEmpty() },
                    )

                    val size = 300 * 1024
                    val progress = RecordingUploadProgress()
                    val photo = CancelToken().use { cancel ->
                        certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(size), progress, cancel)
                    }
                    assertEquals(CertificateKind.PHYSICIAN, photo.kind)
                    assertEquals(size.toULong(), photo.sizeBytes)
                    assertTrue(photo.photoId.isNotBlank(), "photo: $photo")
                    val reports = progress.reports.all()
                    val total = size.toULong()
                    assertEquals(total to total, reports.lastOrNull(), "reports: $reports")
                    assertTrue(reports.all { it.second == total }, "reports: $reports")
                    assertTrue(reports.zipWithNext().all { (a, b) -> a.first <= b.first }, "not monotonic: $reports")
                    assertTrue(reports.first().first in 1uL until total, "no progress before the end: $reports")

                    val practising = CancelToken().use { cancel ->
                        certification.uploadPhoto(CertificateKind.PRACTISING, certificatePng(2048), RecordingUploadProgress(), cancel)
                    }
                    assertEquals(CertificateKind.PRACTISING, practising.kind)

                    val (submitted, within) = timed { certification.submit(VALID_ID_NUMBER, listOf(photo.photoId, practising.photoId)) }
                    assertEquals(CertificationState.Pending, submitted.state)
                    assertEquals(MASKED_ID_NUMBER, submitted.idNumberMasked)
                    assertEquals(2u, submitted.photoCount)
                    val submittedAt = submitted.submittedAt ?: throw AssertionError("no submittedAt: $submitted")
                    assertTrue(submittedAt in within, "submittedAt $submittedAt outside $within")
                    assertNull(submitted.decidedAt)
                    assertEquals(submitted, certification.status())
                    listener.statuses.await("Pending") { it.lastOrNull() == submitted }
                    assertEquals(
                        listOf(HeldCertification(userId = user.id, status = "pending", hasLocation = false, photoCount = 2)),
                        server.devCertifications(),
                    )

                    // The reviewer rejects: the app learns it when it refreshes.
                    server.devDecideCertification(user.id, approve = false, reason = "the photo is blurred")
                    assertEquals(submitted, certification.status(), "the cached status changed without a refresh")
                    val rejected = certification.refreshStatus()
                    assertEquals(CertificationState.Rejected("the photo is blurred"), rejected.state)
                    assertNotNull(rejected.decidedAt, "$rejected")
                    listener.statuses.await("Rejected") { it.lastOrNull() == rejected }

                    server.devDecideCertification(user.id, approve = true)
                    val approved = certification.refreshStatus()
                    assertEquals(CertificationState.Approved, approved.state)
                    assertEquals(MASKED_ID_NUMBER, approved.idNumberMasked)
                    assertNotNull(approved.decidedAt, "$approved")
                    assertEquals(approved, certification.status())
                    val seen = listener.statuses.await("Approved") { it.lastOrNull() == approved }
                    assertEquals(
                        listOf(
                            CertificationState.NotSubmitted,
                            CertificationState.Pending,
                            CertificationState.Rejected("the photo is blurred"),
                            CertificationState.Approved,
                        ),
                        seen.map { it.state },
                    )
                    assertTrue(seen.none { VALID_ID_NUMBER in it.toString() }, "the full ID number reached a listener: $seen")

                    // Certified once is certified.
                    expectThrows<CertificationException.AlreadyCertified> {
                        certification.submit(VALID_ID_NUMBER, listOf(photo.photoId))
                    }
                } finally {
                    observer.cancel()
                }
                observer.close()
            }
        }
    }

    @Test
    fun `a cancelled upload stops, and the next one goes through`() = runBlocking {
        val phone = "13800139103"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, phone)
            client.consent().use { it.grant(ConsentPurpose.IDENTITY_VERIFICATION) }
            client.certification().use { certification ->
                // Cancelled before it starts: not a byte leaves.
                CancelToken().use { cancel ->
                    assertFalse(cancel.isCancelled())
                    cancel.cancel()
                    assertTrue(cancel.isCancelled())
                    val progress = RecordingUploadProgress()
                    expectThrows<CertificationException.Cancelled> {
                        certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(1000), progress, cancel)
                    }
                    assertEquals(emptyList<Any>(), progress.reports.all())
                }
                assertEquals(0, server.devRequests().count { it.path == photos })

                // Cancelled by the user as the first bytes go out.
                CancelToken().use { cancel ->
                    val cancelling = object : UploadProgress {
                        override fun progress(sentBytes: ULong, totalBytes: ULong) {
                            cancel.cancel()
                        }
                    }
                    expectThrows<CertificationException.Cancelled> {
                        certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(4 * 1024 * 1024), cancelling, cancel)
                    }
                    assertTrue(cancel.isCancelled())
                }

                // Cancelling was the user's, not the client's: a fresh token uploads.
                val photo = CancelToken().use { cancel ->
                    certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(1000), RecordingUploadProgress(), cancel)
                }
                assertEquals(1000uL, photo.sizeBytes)
                val status = certification.submit(VALID_ID_NUMBER, listOf(photo.photoId))
                assertEquals(CertificationState.Pending, status.state)
                assertEquals(1u, status.photoCount)
            }
        }
    }

    @Test
    fun `the full ID number is shown only after a fresh authentication`() = runBlocking {
        val phone = "13800139104"
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.loginWithSms(server, phone)
            val status = client.certify()
            assertEquals(MASKED_ID_NUMBER, status.idNumberMasked)
            client.certification().use { certification ->
                // The login has aged past the step-up window.
                server.devAdvanceClock(3600)
                expectThrows<CertificationException.ReauthRequired> { certification.revealIdNumber() }

                client.auth().use { auth ->
                    auth.requestReauthCode(phone)
                    auth.reauthenticate(phone, server.devOutboxCode(phone))
                }
                assertEquals(VALID_ID_NUMBER, certification.revealIdNumber())
                // Shown, never kept: the status still holds the masked form only.
                assertEquals(MASKED_ID_NUMBER, certification.status().idNumberMasked)
                assertFalse(VALID_ID_NUMBER in certification.status().toString())
            }
        }
    }

    @Test
    fun `the position goes with an application only when positioning allows it`() = runBlocking {
        val phone = "13800139105"
        val os = FakeOs()
        os.setStatus(Permission.LOCATION, PermissionStatus.GRANTED)
        val gps = ScriptedLocation(Location(latitude = 39.9, longitude = 116.4, accuracyM = 12.0))
        openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            val user = client.loginWithSms(server, phone)
            client.permissions().use { permissions ->
                client.consent().use { consent ->
                    permissions.setProvider(os)
                    permissions.setLocationProvider(gps)
                    fun held() = server.devCertifications().single { it.userId == user.id }

                    // Positioning off (the default): no reading, none sent.
                    client.certify()
                    assertEquals(0, gps.reads, "the position was read with positioning off")
                    assertFalse(held().hasLocation)

                    // Consented, but the switch is off.
                    consent.grant(ConsentPurpose.PRECISE_LOCATION)
                    client.certify()
                    assertEquals(0, gps.reads, "the position was read with the switch off")
                    assertFalse(held().hasLocation)

                    // Consented, on, and the OS allows it: read once, sent with the application.
                    permissions.setPositioningEnabled(true)
                    client.certify()
                    assertEquals(1, gps.reads)
                    assertTrue(held().hasLocation)

                    // Consent withdrawn: no reading, and the new application goes without.
                    consent.withdraw(ConsentPurpose.PRECISE_LOCATION)
                    client.certify()
                    assertEquals(1, gps.reads, "the position was read after consent was withdrawn")
                    assertFalse(held().hasLocation)
                    assertEquals(emptyList<Permission>(), os.dialogs, "certification must not prompt for location")
                }
            }
        }
    }
}
