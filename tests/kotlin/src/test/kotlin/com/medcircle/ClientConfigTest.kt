package com.medcircle

import com.medcircle.core.ClientConfig
import com.medcircle.core.ClientException
import com.medcircle.support.TestEnv
import com.medcircle.support.expectThrows
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** Plain http is refused unless it is a dev build talking to loopback. */
class ClientConfigTest {
    private val dataDir = TestEnv.tempDir("medcircle-client-")

    @AfterEach
    fun cleanUp() = TestEnv.deleteRecursively(dataDir)

    @Test
    fun `plain http to a remote host is refused`() = runBlocking {
        TestEnv.requireNativeLibrary()
        val url = "http://example.com"
        val refused = expectThrows<ClientException.InsecureServerUrl> {
            MedCircle.open(ClientConfig(url, dataDir.toString(), false, listOf()))
        }
        assertEquals(url, refused.url)

        // A dev build does not make a remote host acceptable either.
        val refusedInDev = expectThrows<ClientException.InsecureServerUrl> {
            MedCircle.open(ClientConfig(url, dataDir.toString(), true, listOf()))
        }
        assertEquals(url, refusedInDev.url)
    }
}
