package com.medcircle.support

import java.nio.file.Path
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach

/**
 * Base for tests against the reference server: every test gets a fresh server (fresh database,
 * fresh rate limits, an empty `/dev/requests`) and a fresh client data directory.
 */
abstract class ServerTest {
    protected lateinit var server: ReferenceServer
    protected lateinit var dataDir: Path

    @BeforeEach
    fun startServer() {
        server = ReferenceServer.start()
        dataDir = TestEnv.tempDir("medcircle-client-")
    }

    @AfterEach
    fun stopServer() {
        if (::server.isInitialized) server.close()
        if (::dataDir.isInitialized) TestEnv.deleteRecursively(dataDir)
    }
}
