package com.medcircle.android

import com.medcircle.Certification
import com.medcircle.Feed
import com.medcircle.core.CancelToken
import com.medcircle.core.CertificateKind
import com.medcircle.core.CertificatePhoto
import com.medcircle.core.FeedItem
import com.medcircle.core.UploadProgress
import kotlin.coroutines.cancellation.CancellationException

/** Bytes sent so far out of the total, reported on one of the core's threads. */
typealias OnProgress = (sentBytes: Long, totalBytes: Long) -> Unit

/**
 * Publishes a post; cancelling the coroutine stops its photos' upload. (The core finishes what a
 * cancelled coroutine started everywhere else; an upload is the one thing a user cancels.)
 */
suspend fun Feed.publish(
    text: String,
    photos: List<ByteArray>,
    onProgress: OnProgress = { _, _ -> },
): FeedItem = CancelToken().use { token ->
    cancelling(token) { publish(text, photos, progressOf(onProgress), token) }
}

/** Uploads a certificate photo; cancelling the coroutine stops the upload. */
suspend fun Certification.uploadPhoto(
    kind: CertificateKind,
    image: ByteArray,
    onProgress: OnProgress = { _, _ -> },
): CertificatePhoto = CancelToken().use { token ->
    cancelling(token) { uploadPhoto(kind, image, progressOf(onProgress), token) }
}

/**
 * Runs [block]; when the calling coroutine is cancelled meanwhile, [token] is cancelled too: the
 * generated suspend function stops waiting, and the token stops the core's work as well.
 */
internal suspend fun <T> cancelling(token: CancelToken, block: suspend () -> T): T =
    try {
        block()
    } catch (cancelled: CancellationException) {
        token.cancel()
        throw cancelled
    }

private fun progressOf(onProgress: OnProgress) = object : UploadProgress {
    override fun progress(sentBytes: ULong, totalBytes: ULong) =
        onProgress(sentBytes.toLong(), totalBytes.toLong())
}
