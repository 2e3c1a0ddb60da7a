package com.medcircle.support

import com.medcircle.CertificationListener
import com.medcircle.MedCircle
import com.medcircle.core.CancelToken
import com.medcircle.core.CertificateKind
import com.medcircle.core.CertificationStatus
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.UploadProgress

/** A valid mainland ID number (its check character is an X). */
const val VALID_ID_NUMBER = "11010519491231002X"

/** [VALID_ID_NUMBER] as the app may show it: its first four and last four characters. */
const val MASKED_ID_NUMBER = "1101**********002X"

private const val PNG_2X2 =
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73" +
        "0000001049444154789c63f8cfc000440c100a001fee03fd8b5f14d40000000049454e44ae426082"

/**
 * A certificate photo of [size] bytes: a real 2×2 PNG padded with zero bytes after its end
 * (the server reads the header only), as a camera or picker would hand it to the app.
 */
fun certificatePng(size: Int): ByteArray {
    val png = PNG_2X2.chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    require(size >= png.size) { "a PNG needs at least ${png.size} bytes" }
    return png.copyOf(size)
}

/** Every progress report of an upload, in order, as (sent, total). */
class RecordingUploadProgress : UploadProgress {
    val reports = Recorded<Pair<ULong, ULong>>()

    override fun progress(sentBytes: ULong, totalBytes: ULong) {
        reports.add(sentBytes to totalBytes)
    }
}

/** A [CertificationListener] that records every status it is given. */
class RecordingCertificationListener : CertificationListener {
    val statuses = Recorded<CertificationStatus>()

    override fun onStatus(status: CertificationStatus) {
        statuses.add(status)
    }
}

/**
 * Applies for certification as the app does for a logged-in user: grants identity
 * verification, uploads one physician certificate photo and submits [VALID_ID_NUMBER].
 */
suspend fun MedCircle.certify(): CertificationStatus {
    consent().use { it.grant(ConsentPurpose.IDENTITY_VERIFICATION) }
    return certification().use { certification ->
        val photo = CancelToken().use { cancel ->
            certification.uploadPhoto(CertificateKind.PHYSICIAN, certificatePng(4096), RecordingUploadProgress(), cancel)
        }
        certification.submit(VALID_ID_NUMBER, listOf(photo.photoId))
    }
}
