package com.medcircle

import com.medcircle.core.Draft
import com.medcircle.support.ServerTest
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * Bytes and text cross the FFI unchanged both ways (through a draft, kept in the encrypted
 * store and read back). Unsigned extremes are checked through the error types
 * (`ErrorLiftingTest`) and the upload progress (`JourneyTest`).
 */
class MarshallingTest : ServerTest() {
    @Test
    fun `a draft's photos and text come back byte for byte`() = runBlocking {
        val feed = loggedInClient().feed()
        val everyByte = ByteArray(256) { it.toByte() }
        val large = ByteArray(1024 * 1024) { (it * 31 + 7).toByte() }
        val draft = Draft(
            text = "急诊室夜班 🩺 night shift\n第二行",
            photos = listOf(everyByte, ByteArray(0), large),
        )

        feed.saveDraft(draft)
        val back = feed.draft()

        assertEquals(draft.text, back.text)
        assertEquals(draft.photos.size, back.photos.size, "photo count")
        draft.photos.zip(back.photos).forEachIndexed { index, (sent, got) ->
            assertArrayEquals(sent, got, "photo $index (${sent.size} bytes)")
        }
    }
}
