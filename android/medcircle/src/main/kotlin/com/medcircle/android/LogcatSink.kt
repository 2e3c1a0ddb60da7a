package com.medcircle.android

import android.util.Log
import com.medcircle.core.LogLevel
import com.medcircle.core.LogSink
import com.medcircle.setLogger

/**
 * The core's log lines in logcat, under one [tag]; the core's module path leads the message (a
 * logcat tag is short). Lines arrive redacted: no phone numbers, codes, tokens or positions.
 */
class LogcatSink(private val tag: String = "MedCircle") : LogSink {
    /** Writes one line, already redacted by the core, at the matching logcat priority. */
    override fun log(level: LogLevel, target: String, message: String) {
        Log.println(priority(level), tag, "$target: $message")
    }

    /** Installing the sink. */
    companion object {
        /** Sends the core's lines at [maxLevel] and more severe to logcat. */
        fun install(maxLevel: LogLevel = LogLevel.INFO) = setLogger(LogcatSink(), maxLevel)

        internal fun priority(level: LogLevel): Int = when (level) {
            LogLevel.ERROR -> Log.ERROR
            LogLevel.WARN -> Log.WARN
            LogLevel.INFO -> Log.INFO
            LogLevel.DEBUG -> Log.DEBUG
            LogLevel.TRACE -> Log.VERBOSE
        }
    }
}
