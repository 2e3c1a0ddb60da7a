package com.medcircle.android

import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.qrcode.QRCodeWriter
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test
import kotlin.random.Random

/** A QR code drawn into a camera-like luminance plane (padded rows, a grey background) reads back. */
class QrDecoderTest {
    private val payload = "medcircle://web-login?id=wl_0123456789abcdef0123456789abcdef&v=1"

    @Test
    fun reads_the_code_in_a_frame() {
        val frame = frameWith(payload, width = 640, height = 480, rowStride = 704)
        assertEquals(payload, QrDecoder.decode(frame, 640, 480, rowStride = 704))
    }

    @Test
    fun reads_chinese_text() {
        val text = "扫码登录 MedCircle"
        val frame = frameWith(text, width = 320, height = 320, rowStride = 320)
        assertEquals(text, QrDecoder.decode(frame, 320, 320))
    }

    @Test
    fun a_frame_without_a_code_reads_nothing() {
        val noise = Random(7).nextBytes(640 * 480)
        assertEquals(null, QrDecoder.decode(noise, 640, 480))
        assertEquals(null, QrDecoder.decode(ByteArray(640 * 480) { 0x7f }, 640, 480))
    }

    @Test
    fun a_frame_smaller_than_its_geometry_is_refused() {
        assertThrows(IllegalArgumentException::class.java) { QrDecoder.decode(ByteArray(100), 640, 480) }
        assertThrows(IllegalArgumentException::class.java) { QrDecoder.decode(ByteArray(640 * 480), 640, 480, rowStride = 600) }
    }

    /** A grey frame with the code, dark on light, in its middle. */
    private fun frameWith(text: String, width: Int, height: Int, rowStride: Int): ByteArray {
        val side = minOf(width, height) * 3 / 4
        val hints = mapOf(EncodeHintType.CHARACTER_SET to "UTF-8", EncodeHintType.MARGIN to 2)
        val matrix = QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, side, side, hints)
        val frame = ByteArray(rowStride * height) { 0x60 }
        val left = (width - side) / 2
        val top = (height - side) / 2
        for (y in 0 until side) for (x in 0 until side) {
            frame[(top + y) * rowStride + left + x] = if (matrix[x, y]) 0x10 else 0xe0.toByte()
        }
        return frame
    }
}
