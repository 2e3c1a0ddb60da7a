package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.LogLevel
import com.medcircle.core.LogSink
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.expectThrows
import com.medcircle.support.openClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The log lines the core hands the platform never carry the phone number, the SMS code or a
 * token. The logger is process-global, so this class installs it and restores a quiet one.
 */
class LoggerTest : ServerTest() {

    data class Line(val level: LogLevel, val target: String, val message: String) {
        override fun toString() = "$level $target: $message"
    }

    private class CollectingSink : LogSink {
        val lines = CopyOnWriteArrayList<Line>()
        override fun log(level: LogLevel, target: String, message: String) {
            lines.add(Line(level, target, message))
        }
    }

    @Test
    fun `log lines of a login journey are redacted`() = runBlocking {
        val phone = "13800138000"
        val sink = CollectingSink()
        setLogger(sink, LogLevel.DEBUG)
        loggerInstalled = true

        val code = openClient(server, dataDir).use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                auth.requestSmsCode(phone)
                val code = server.devOutboxCode(phone)
                // Error paths log too: a refused resend and a wrong code.
                expectThrows<AuthException.RateLimited> { auth.requestSmsCode(phone) }
                val wrongCode = if (code == "000000") "111111" else "000000"
                expectThrows<AuthException.WrongCode> { auth.verifySmsCode(phone, wrongCode) }
                val user = auth.verifySmsCode(phone, code)
                assertEquals(user.id, auth.whoami().id)
                assertTrue(auth.logout().revokedOnServer)
                code
            }
        }

        val lines = sink.lines.toList()
        assertTrue(lines.isNotEmpty(), "no log lines were delivered")
        assertTrue(lines.any { it.target.startsWith("medcircle_core") }, "no line from the core: $lines")
        assertTrue(lines.none { it.level == LogLevel.TRACE }, "TRACE line above max level: " +
            lines.filter { it.level == LogLevel.TRACE })

        val codePattern = Regex("(?<!\\d)$code(?!\\d)")
        val leaks = lines.filter { line ->
            val text = "${line.target} ${line.message}"
            phone in text || codePattern.containsMatchIn(text) || "mca_" in text || "mcr_" in text
        }
        assertEquals(emptyList<Line>(), leaks, "secret material in log lines (code $code)")
    }

    companion object {
        private object QuietSink : LogSink {
            override fun log(level: LogLevel, target: String, message: String) {}
        }

        @Volatile
        private var loggerInstalled = false

        @JvmStatic
        @AfterAll
        fun quietLogger() {
            if (loggerInstalled) setLogger(QuietSink, LogLevel.ERROR)
        }
    }
}
