package com.medcircle.android

import android.util.Log
import com.medcircle.core.LogLevel
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.shadows.ShadowLog

@RunWith(RobolectricTestRunner::class)
class LogcatSinkTest {
    @Test
    fun each_level_lands_at_its_priority_under_one_tag() {
        val sink = LogcatSink()
        val levels = LogLevel.entries
        for (level in levels) sink.log(level, "medcircle_core::feed::flush", "line at $level")
        val logged = ShadowLog.getLogsForTag("MedCircle").map { it.type to it.msg }
        assertEquals(
            listOf(
                Log.ERROR to "medcircle_core::feed::flush: line at ERROR",
                Log.WARN to "medcircle_core::feed::flush: line at WARN",
                Log.INFO to "medcircle_core::feed::flush: line at INFO",
                Log.DEBUG to "medcircle_core::feed::flush: line at DEBUG",
                Log.VERBOSE to "medcircle_core::feed::flush: line at TRACE",
            ),
            logged,
        )
    }
}
