package com.medcircle.support

import java.io.BufferedReader
import java.io.InputStream
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.charset.StandardCharsets
import java.nio.file.Path
import java.time.Duration
import java.util.ArrayDeque
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/** One request the server received, as `/dev/requests` reports it. */
data class SeenRequest(val method: String, val path: String)

/** A token as the carrier's SDK would hand it to the app (`POST /dev/carrier/token`). */
data class CarrierToken(val token: String, val expiresInS: Long)

/** One device report the server stored for risk control, as `/dev/risk/devices` shows it. */
data class RiskDevice(
    val userId: String,
    val model: String,
    val os: String,
    val osVersion: String,
    val appVersion: String,
    val networkType: String,
    val carrier: String?,
    val installId: String,
    val receivedAt: Long,
)

/** A web login as the browser gets it when it asks for one (`POST /web/login`). */
data class BrowserWebLogin(val id: String, val payload: String, val pollToken: String, val expiresInS: Long)

/** The account a confirmed web login logged the browser in as. */
data class BrowserSession(val userId: String, val nickname: String)

/**
 * What the browser sees when it polls its web login (`GET /web/login/{id}/status`):
 * `pending`, `scanned`, `confirmed` (with [session]), `declined` or `expired`.
 */
data class BrowserWebLoginStatus(val status: String, val session: BrowserSession?)

/**
 * One certification as the server holds it (`/dev/certifications`): never the ID number nor
 * the position, only whether one came with the application.
 */
data class HeldCertification(val userId: String, val status: String, val hasLocation: Boolean, val photoCount: Int)

/**
 * The real `medcircle-server`, started in dev mode on a free loopback port with its own
 * temporary database, and stopped on [close].
 */
class ReferenceServer private constructor(
    private val process: Process,
    private val workDir: Path,
    /** Base URL, e.g. `http://127.0.0.1:41234`. */
    val url: String,
    private val output: OutputTail,
) : AutoCloseable {

    private val http: HttpClient = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .build()

    /** The last SMS code the server "texted" to [phone] (`GET /dev/sms/outbox`). */
    fun devOutboxCode(phone: String): String {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5)
        while (true) {
            val (status, body) = get("/dev/sms/outbox?phone=$phone")
            if (status == 200) {
                return CODE.find(body)?.groupValues?.get(1)
                    ?: throw AssertionError("no code in the outbox reply: $body")
            }
            if (status != 404 || System.nanoTime() > deadline) {
                throw AssertionError("GET /dev/sms/outbox?phone=$phone -> $status $body")
            }
            Thread.sleep(50)
        }
    }

    /** Every non-/dev request the server received, oldest first (`GET /dev/requests`). */
    fun devRequests(): List<SeenRequest> {
        val (status, body) = get("/dev/requests")
        if (status != 200) throw AssertionError("GET /dev/requests -> $status $body")
        val array = REQUESTS.find(body)?.groupValues?.get(1)
            ?: throw AssertionError("no requests array in: $body")
        return OBJECT.findAll(array).map { match ->
            val obj = match.value
            SeenRequest(
                method = METHOD.find(obj)?.groupValues?.get(1)
                    ?: throw AssertionError("request without a method: $obj"),
                path = PATH.find(obj)?.groupValues?.get(1)
                    ?: throw AssertionError("request without a path: $obj"),
            )
        }.toList()
    }

    /** Shifts the server clock forward (`POST /dev/clock/advance`). */
    fun devAdvanceClock(seconds: Long) {
        val request = HttpRequest.newBuilder(URI.create("$url/dev/clock/advance"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("""{"seconds":$seconds}"""))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() !in 200..299) {
            throw AssertionError("POST /dev/clock/advance -> ${response.statusCode()} ${response.body()}")
        }
    }

    /**
     * Plays the carrier: a signed one-tap token for [phone] on [carrier], what the carrier's SDK
     * would yield on a phone with that SIM (`POST /dev/carrier/token`).
     */
    fun devCarrierToken(phone: String, carrier: String): CarrierToken {
        val (status, body) = post("/dev/carrier/token", """{"phone":"$phone","carrier":"$carrier"}""")
        if (status != 200) throw AssertionError("POST /dev/carrier/token -> $status $body")
        return CarrierToken(
            token = TOKEN.find(body)?.groupValues?.get(1)
                ?: throw AssertionError("no token in the carrier reply: $body"),
            expiresInS = EXPIRES_IN.find(body)?.groupValues?.get(1)?.toLong()
                ?: throw AssertionError("no expires_in_s in the carrier reply: $body"),
        )
    }

    /** Every device report the server stored, oldest first (`GET /dev/risk/devices`). */
    fun devRiskDevices(): List<RiskDevice> {
        val (status, body) = get("/dev/risk/devices")
        if (status != 200) throw AssertionError("GET /dev/risk/devices -> $status $body")
        val array = DEVICES.find(body)?.groupValues?.get(1)
            ?: throw AssertionError("no devices array in: $body")
        return OBJECT.findAll(array).map { match ->
            val obj = match.value
            fun field(name: String): String? {
                val found = Regex(""""$name"\s*:\s*(null|"([^"\\]*)"|-?\d+)""").find(obj)
                    ?: throw AssertionError("device report without a plain $name (null, number or unescaped string): $obj")
                val raw = found.groupValues[1]
                return when {
                    raw == "null" -> null
                    raw.startsWith("\"") -> found.groupValues[2]
                    else -> raw
                }
            }
            fun required(name: String): String =
                field(name) ?: throw AssertionError("device report with a null $name: $obj")
            RiskDevice(
                userId = required("user_id"),
                model = required("model"),
                os = required("os"),
                osVersion = required("os_version"),
                appVersion = required("app_version"),
                networkType = required("network_type"),
                carrier = field("carrier"),
                installId = required("install_id"),
                receivedAt = required("received_at").toLong(),
            )
        }.toList()
    }

    /**
     * Plays the browser on the web login page: asks for a web login, sending [userAgent] as its
     * `User-Agent` (`POST /web/login`, 201).
     */
    fun browserStartWebLogin(userAgent: String): BrowserWebLogin {
        val request = HttpRequest.newBuilder(URI.create("$url/web/login"))
            .timeout(Duration.ofSeconds(10))
            .header("User-Agent", userAgent)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        val body = response.body()
        if (response.statusCode() != 201) throw AssertionError("POST /web/login -> ${response.statusCode()} $body")
        fun string(name: String): String =
            Regex(""""$name"\s*:\s*"([^"\\]*)"""").find(body)?.groupValues?.get(1)
                ?: throw AssertionError("no plain string $name in the web login reply: $body")
        return BrowserWebLogin(
            id = string("id"),
            payload = string("payload"),
            pollToken = string("poll_token"),
            expiresInS = EXPIRES_IN.find(body)?.groupValues?.get(1)?.toLong()
                ?: throw AssertionError("no expires_in_s in the web login reply: $body"),
        )
    }

    /** Plays the browser polling [login] (`GET /web/login/{id}/status?poll=…`). */
    fun browserWebLoginStatus(login: BrowserWebLogin): BrowserWebLoginStatus {
        val (status, body) = get("/web/login/${login.id}/status?poll=${login.pollToken}")
        if (status != 200) throw AssertionError("GET /web/login/${login.id}/status -> $status $body")
        val state = STATUS.find(body)?.groupValues?.get(1)
            ?: throw AssertionError("no status in the web login status reply: $body")
        val session = SESSION.find(body)?.groupValues?.get(1)?.let { obj ->
            fun string(name: String): String =
                Regex(""""$name"\s*:\s*"([^"\\]*)"""").find(obj)?.groupValues?.get(1)
                    ?: throw AssertionError("session without a plain string $name: $body")
            BrowserSession(userId = string("user_id"), nickname = string("nickname"))
        }
        if (session == null && Regex(""""session"\s*:""").containsMatchIn(body)) {
            throw AssertionError("unexpected session in the web login status reply: $body")
        }
        return BrowserWebLoginStatus(state, session)
    }

    /**
     * Plays the user at the dev OpenID provider (the test is the browser): opens
     * [authorizationUrl] signed in as [subject] and returns where the provider sends the browser
     * back to, the callback URL for the app (the 302's `Location`, not followed).
     */
    fun browserAuthorize(authorizationUrl: String, subject: String): String =
        providerRedirect(authorizationUrl, "dev_subject=$subject")

    /** Plays the user refusing at the dev OpenID provider: the callback URL, carrying an error. */
    fun browserDenyAuthorization(authorizationUrl: String): String =
        providerRedirect(authorizationUrl, "dev_decision=deny")

    private fun providerRedirect(authorizationUrl: String, decision: String): String {
        if (!authorizationUrl.startsWith("$url/dev/oidc/authorize?")) {
            throw AssertionError("not this server's dev provider: $authorizationUrl")
        }
        // The client never follows redirects (HttpClient.Redirect.NEVER, the default).
        val request = HttpRequest.newBuilder(URI.create("$authorizationUrl&$decision"))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() != 302) {
            throw AssertionError("GET /dev/oidc/authorize ($decision) -> ${response.statusCode()} ${response.body()}")
        }
        return response.headers().firstValue("location").orElseThrow {
            AssertionError("GET /dev/oidc/authorize ($decision): a 302 without a Location")
        }
    }

    /**
     * Plays the reviewer: approves [userId]'s certification, or rejects it for [reason]
     * (`POST /dev/certification/decide`).
     */
    fun devDecideCertification(userId: String, approve: Boolean, reason: String? = null) {
        val quoted = reason?.let { "\"" + it.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" } ?: "null"
        val (status, body) = post(
            "/dev/certification/decide",
            """{"user_id":"$userId","approve":$approve,"reason":$quoted}""",
        )
        if (status != 200) throw AssertionError("POST /dev/certification/decide -> $status $body")
    }

    /** Every submitted certification as the server holds it, oldest first (`GET /dev/certifications`). */
    fun devCertifications(): List<HeldCertification> {
        val (status, body) = get("/dev/certifications")
        if (status != 200) throw AssertionError("GET /dev/certifications -> $status $body")
        val array = CERTIFICATIONS.find(body)?.groupValues?.get(1)
            ?: throw AssertionError("no certifications array in: $body")
        return OBJECT.findAll(array).map { match ->
            val obj = match.value
            fun field(name: String): String =
                Regex(""""$name"\s*:\s*("([^"\\]*)"|true|false|\d+)""").find(obj)?.groupValues?.let {
                    if (it[1].startsWith("\"")) it[2] else it[1]
                } ?: throw AssertionError("certification without a plain $name: $obj")
            HeldCertification(
                userId = field("user_id"),
                status = field("status"),
                hasLocation = field("has_location").toBooleanStrict(),
                photoCount = field("photo_count").toInt(),
            )
        }.toList()
    }

    /**
     * Plays anyone opening a link to [path] on this server in a browser, without a session
     * (e.g. a share link's `/p/{code}` landing page): the status and the page.
     */
    fun browserOpen(path: String): Pair<Int, String> {
        if (!path.startsWith("/")) throw AssertionError("not a path on this server: $path")
        return get(path)
    }

    /** The server's recent stdout/stderr, for failure messages. */
    fun recentOutput(): String = output.text()

    private fun post(path: String, json: String): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create("$url$path"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    private fun get(pathAndQuery: String): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create("$url$pathAndQuery"))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            process.waitFor(5, TimeUnit.SECONDS)
        }
        TestEnv.deleteRecursively(workDir)
    }

    companion object {
        private val LISTENING = Regex("""listening on (http://127\.0\.0\.1:\d+)""")
        private val CODE = Regex(""""code"\s*:\s*"(\d+)"""")
        private val REQUESTS = Regex(""""requests"\s*:\s*\[(.*)\]""", RegexOption.DOT_MATCHES_ALL)
        private val OBJECT = Regex("""\{[^{}]*\}""")
        private val METHOD = Regex(""""method"\s*:\s*"([^"]*)"""")
        private val PATH = Regex(""""path"\s*:\s*"([^"]*)"""")
        private val TOKEN = Regex(""""token"\s*:\s*"([A-Za-z0-9_.-]+)"""")
        private val EXPIRES_IN = Regex(""""expires_in_s"\s*:\s*(\d+)""")
        private val STATUS = Regex(""""status"\s*:\s*"([a-z]+)"""")
        private val SESSION = Regex(""""session"\s*:\s*(\{[^{}]*\})""")
        private val CERTIFICATIONS = Regex(""""certifications"\s*:\s*\[(.*)\]""", RegexOption.DOT_MATCHES_ALL)
        private val DEVICES = Regex(""""devices"\s*:\s*\[(.*)\]""", RegexOption.DOT_MATCHES_ALL)

        fun start(startTimeout: Duration = Duration.ofSeconds(30)): ReferenceServer {
            val bin = TestEnv.serverBin
            val workDir = TestEnv.tempDir("medcircle-server-")
            val process = ProcessBuilder(
                bin.path,
                "--addr", "127.0.0.1:0",
                "--db", workDir.resolve("server.db").toString(),
                "--dev",
            ).directory(workDir.toFile()).start()
            process.outputStream.close()

            val output = OutputTail()
            val firstLine = CompletableFuture<String?>()
            drain(process.inputStream, "stdout", output) { line -> firstLine.complete(line) }
            drain(process.errorStream, "stderr", output) { }

            val line = try {
                firstLine.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS)
            } catch (e: TimeoutException) {
                process.destroyForcibly()
                throw AssertionError("server printed no first line within $startTimeout:\n${output.text()}")
            }
            val url = line?.let { LISTENING.find(it)?.groupValues?.get(1) }
            if (url == null) {
                process.destroyForcibly()
                process.waitFor(5, TimeUnit.SECONDS)
                throw AssertionError(
                    "unexpected first server line: ${line ?: "<end of output>"}\n${output.text()}",
                )
            }
            return ReferenceServer(process, workDir, url, output)
        }

        /** Reads [stream] to its end on a daemon thread; the first line (or null at EOF) goes to [first]. */
        private fun drain(stream: InputStream, name: String, tail: OutputTail, first: (String?) -> Unit) {
            val thread = Thread({
                var sawFirst = false
                try {
                    BufferedReader(InputStreamReader(stream, StandardCharsets.UTF_8)).use { reader ->
                        while (true) {
                            val line = reader.readLine() ?: break
                            if (!sawFirst) {
                                sawFirst = true
                                first(line)
                            }
                            tail.add("[$name] $line")
                        }
                    }
                } catch (_: Exception) {
                    // The process went away; nothing more to read.
                } finally {
                    if (!sawFirst) first(null)
                }
            }, "medcircle-server-$name")
            thread.isDaemon = true
            thread.start()
        }
    }
}

/** The last lines a process printed. */
internal class OutputTail(private val max: Int = 200) {
    private val lines = ArrayDeque<String>()

    @Synchronized
    fun add(line: String) {
        if (lines.size == max) lines.removeFirst()
        lines.addLast(line)
    }

    @Synchronized
    fun text(): String = lines.joinToString("\n")
}
