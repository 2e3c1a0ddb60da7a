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

    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    /** The last SMS code the server "texted" to [phone] (`GET /dev/sms/outbox?phone=`). */
    fun smsCode(phone: String): String {
        val request = HttpRequest.newBuilder(URI.create("$url/dev/sms/outbox?phone=$phone"))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() != 200) {
            throw AssertionError("GET /dev/sms/outbox?phone=$phone -> ${response.statusCode()} ${response.body()}")
        }
        return CODE.find(response.body())?.groupValues?.get(1)
            ?: throw AssertionError("no code in the outbox reply: ${response.body()}")
    }

    /** The body of `GET [pathAndQuery]` (a dev hook), which must answer 200. */
    fun devGet(pathAndQuery: String): String =
        devSend(HttpRequest.newBuilder(URI.create("$url$pathAndQuery")).GET(), "GET $pathAndQuery")

    /** A dev hook: POSTs [json] to [path] and returns the answer's body. */
    fun devPost(path: String, json: String): String =
        devSend(
            HttpRequest.newBuilder(URI.create("$url$path"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)),
            "POST $path",
        )

    private fun devSend(builder: HttpRequest.Builder, label: String): String {
        val request = builder.timeout(Duration.ofSeconds(10)).build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() != 200) {
            throw AssertionError("$label -> ${response.statusCode()} ${response.body()}")
        }
        return response.body()
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
        private val START_TIMEOUT: Duration = Duration.ofSeconds(20)

        /** Starts a fresh server and waits for its `listening on http://…` line. */
        fun start(): ReferenceServer {
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
                firstLine.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            } catch (e: TimeoutException) {
                process.destroyForcibly()
                throw AssertionError("server printed no first line within $START_TIMEOUT:\n${output.text()}")
            }
            val url = line?.let { LISTENING.find(it)?.groupValues?.get(1) }
            if (url == null) {
                process.destroyForcibly()
                process.waitFor(5, TimeUnit.SECONDS)
                throw AssertionError("unexpected first server line: ${line ?: "<end of output>"}\n${output.text()}")
            }
            return ReferenceServer(process, workDir, url, output)
        }

        /** Reads [stream] to its end on a daemon thread (a full pipe would stall the server). */
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
                } catch (_: java.io.IOException) {
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

/** The last lines a process printed, for failure messages. */
private class OutputTail(private val max: Int = 200) {
    private val lines = ArrayDeque<String>()

    @Synchronized
    fun add(line: String) {
        if (lines.size == max) lines.removeFirst()
        lines.addLast(line)
    }

    @Synchronized
    fun text(): String = lines.joinToString("\n")
}
