package com.medcircle.android

import android.graphics.ImageFormat
import android.media.Image
import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.ReaderException
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader

/**
 * Reads a QR code from a camera frame (ZXing), for scan-to-login: hand the text to
 * `Auth.scanWebLogin`, which decides whether it is a login code at all. Call it on the camera's
 * analysis thread, never the main one.
 */
object QrDecoder {
    private val hints = mapOf(
        DecodeHintType.POSSIBLE_FORMATS to listOf(BarcodeFormat.QR_CODE),
        DecodeHintType.TRY_HARDER to true,
    )

    /** The text of the QR code in the frame's luminance (Y) plane, or null if there is none. */
    fun decode(luminance: ByteArray, width: Int, height: Int, rowStride: Int = width): String? {
        require(width > 0 && height > 0 && rowStride >= width) { "bad frame geometry" }
        require(luminance.size >= rowStride * (height - 1) + width) { "frame smaller than its geometry" }
        val source = PlanarYUVLuminanceSource(luminance, rowStride, height, 0, 0, width, height, false)
        return try {
            QRCodeReader().decode(BinaryBitmap(HybridBinarizer(source)), hints).text
        } catch (_: ReaderException) {
            null
        }
    }

    /** [decode] for a `YUV_420_888` frame from the camera (CameraX's ImageAnalysis, Camera2's
     * ImageReader): its first plane is the luminance, one byte per pixel. */
    fun decode(image: Image): String? {
        require(image.format == ImageFormat.YUV_420_888) { "expected a YUV_420_888 frame" }
        val plane = image.planes[0]
        val buffer = plane.buffer.duplicate().apply { rewind() }
        val bytes = ByteArray(buffer.remaining()).also { buffer.get(it) }
        return decode(bytes, image.width, image.height, plane.rowStride)
    }
}
