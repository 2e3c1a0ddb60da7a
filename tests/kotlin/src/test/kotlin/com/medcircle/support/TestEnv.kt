package com.medcircle.support

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.Comparator

/**
 * The suite's inputs, passed by Surefire as system properties. A missing input fails the test
 * that needs it (never a skip): a suite that silently runs nothing proves nothing.
 */
object TestEnv {
    /** The reference server binary (`medcircle.serverBin`). */
    val serverBin: File by lazy {
        val path = System.getProperty("medcircle.serverBin")
            ?: throw AssertionError("system property medcircle.serverBin is not set (run through Maven)")
        val file = File(path).absoluteFile
        if (!file.isFile || !file.canExecute()) {
            throw AssertionError(
                "reference server binary missing or not executable: $file " +
                    "(build it with `cargo build -p medcircle-server`)",
            )
        }
        file
    }

    /** The native library JNA loads by the name `medcircle_ffi`, under `jna.library.path`. */
    val nativeLibrary: File by lazy {
        val dir = System.getProperty("jna.library.path")
            ?: throw AssertionError("system property jna.library.path is not set (run through Maven)")
        val file = File(dir, System.mapLibraryName("medcircle_ffi")).absoluteFile
        if (!file.isFile) {
            throw AssertionError(
                "native library missing: $file (build it with `cargo xtask bindings`)",
            )
        }
        file
    }

    /**
     * The description of this JVM's session keyring (inherited by a child process). Without a
     * session keyring of its own the process would use the shared user-session keyring
     * (`_uid_ses.<uid>`), where the client's secure-store entries are not reliably found again
     * across threads; surefire starts the JVM through `src/test/keyring-jvm/bin/java`.
     */
    val sessionKeyring: String by lazy {
        val process = try {
            ProcessBuilder("keyctl", "rdescribe", "@s").redirectErrorStream(true).start()
        } catch (e: java.io.IOException) {
            throw AssertionError("keyctl (package keyutils) is required to check the session keyring", e)
        }
        val output = process.inputStream.bufferedReader().readText().trim()
        process.waitFor()
        val name = output.substringAfterLast(';')
        if (process.exitValue() != 0 || name.isEmpty() || name.startsWith("_uid_ses.")) {
            throw AssertionError(
                "the test JVM has no session keyring of its own (@s = '$output'): run it through " +
                    "src/test/keyring-jvm/bin/java, as the pom does",
            )
        }
        name
    }

    /** Fails unless the native library is present and the JVM has its own session keyring. */
    fun requireClientEnvironment() {
        nativeLibrary
        sessionKeyring
    }

    fun tempDir(prefix: String): Path = Files.createTempDirectory(prefix)

    /** Best effort: a client freed late may still hold a file open; leftovers are harmless. */
    fun deleteRecursively(path: Path) {
        try {
            if (!Files.exists(path)) return
            Files.walk(path).use { paths ->
                paths.sorted(Comparator.reverseOrder()).forEach { Files.deleteIfExists(it) }
            }
        } catch (_: java.io.IOException) {
        } catch (_: java.io.UncheckedIOException) {
        }
    }
}
