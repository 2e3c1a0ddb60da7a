package com.medcircle.support

import com.medcircle.MedCircleClient
import com.medcircle.core.ClientConfig
import com.medcircle.core.UserProfile
import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer
import java.nio.file.Path
import java.util.zip.CRC32
import java.util.zip.Deflater
import java.util.zip.DeflaterOutputStream
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

/**
 * A real PNG of about [size] bytes: a grey gradient stored without compression and without
 * metadata, so the core's metadata strip sends it byte for byte.
 */
fun png(size: Int): ByteArray {
    val width = 1024
    val rows = maxOf(1, (size - 100) / (width + 1))
    val raw = ByteArray(rows * (width + 1)) { i -> if (i % (width + 1) == 0) 0 else (i * 31).toByte() }
    val zlib = ByteArrayOutputStream()
    DeflaterOutputStream(zlib, Deflater(Deflater.NO_COMPRESSION)).use { it.write(raw) }
    val header = ByteBuffer.allocate(13).putInt(width).putInt(rows).put(byteArrayOf(8, 0, 0, 0, 0)).array()
    val out = ByteArrayOutputStream()
    out.write(byteArrayOf(0x89.toByte(), 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))
    for ((type, data) in listOf("IHDR" to header, "IDAT" to zlib.toByteArray(), "IEND" to ByteArray(0))) {
        val crc = CRC32().apply { update(type.toByteArray()); update(data) }
        out.write(ByteBuffer.allocate(4).putInt(data.size).array())
        out.write(type.toByteArray())
        out.write(data)
        out.write(ByteBuffer.allocate(4).putInt(crc.value.toInt()).array())
    }
    return out.toByteArray()
}
