package com.medcircle.support

import com.medcircle.MedCircleClient
import com.medcircle.core.ClientConfig
import com.medcircle.core.UserProfile
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach

/** The phone number tests log in with (each test has a server of its own). */
const val PHONE = "13800138000"

/**
 * Base for tests that need clients: a fresh reference server per test, clients opened on it in
 * fresh data directories, and everything closed afterwards.
 */
abstract class ServerTest {
    protected lateinit var server: ReferenceServer
    private val clients = mutableListOf<MedCircleClient>()
    private val dataDirs = mutableListOf<Path>()

    @BeforeEach
    fun startServer() {
        TestEnv.requireClientEnvironment()
        server = ReferenceServer.start()
    }

    @AfterEach
    fun stopServer() {
        runBlocking {
            for (client in clients) {
                if (client.uniffiIsDestroyed) continue
                client.finishBackgroundWork(2_000u)
                client.close()
            }
        }
        if (::server.isInitialized) server.close()
        dataDirs.forEach(TestEnv::deleteRecursively)
    }

    /** A fresh data directory, deleted after the test. */
    protected fun newDataDir(): Path = TestEnv.tempDir("medcircle-client-").also(dataDirs::add)

    /** A dev-mode client of [server] keeping its data in [dataDir]. */
    protected suspend fun openClient(dataDir: Path = newDataDir()): MedCircleClient {
        val config = ClientConfig(
            serverUrl = server.url,
            dataDir = dataDir.toString(),
            dev = true,
            spkiPins = listOf(),
            oauthProviders = listOf(),
        )
        return MedCircleClient.open(config).also(clients::add)
    }

    /** A client whose user has read and accepted the privacy policy. */
    protected suspend fun consentedClient(): MedCircleClient =
        openClient().also { client ->
            client.consent().use { consent -> consent.accept(consent.fetchPolicy().version) }
        }

    /** A consented client logged in as [PHONE]. */
    protected suspend fun loggedInClient(): MedCircleClient =
        consentedClient().also { client -> logIn(client) }

    /** Logs [client] in with an SMS code read from the server's dev outbox. */
    protected suspend fun logIn(client: MedCircleClient): UserProfile =
        client.auth().use { auth ->
            auth.requestSmsCode(PHONE)
            auth.verifySmsCode(PHONE, server.smsCode(PHONE))
        }
}

private const val PNG_2X2 =
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73" +
        "0000001049444154789c63f8cfc000440c100a001fee03fd8b5f14d40000000049454e44ae426082"

/** A photo of [size] bytes: a real 2×2 PNG padded with zeros (the core reads the header only). */
fun png(size: Int): ByteArray {
    val image = PNG_2X2.chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    require(size >= image.size) { "a PNG needs at least ${image.size} bytes" }
    return image.copyOf(size)
}
