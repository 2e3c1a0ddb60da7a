package com.medcircle.support

import com.medcircle.LoginListener
import com.medcircle.MedCircle
import com.medcircle.SessionListener
import com.medcircle.core.ClientConfig
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.ConsentStatus
import com.medcircle.core.LoginScreen
import com.medcircle.core.OAuthProviderConfig
import com.medcircle.core.PolicyDocument
import com.medcircle.core.SessionState
import com.medcircle.core.UserProfile
import java.net.URLDecoder
import java.nio.charset.StandardCharsets
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/** A dev-mode client config for [server], with its data in [dataDir]. */
fun devConfig(
    server: ReferenceServer,
    dataDir: Path,
    oauthProviders: List<OAuthProviderConfig> = listOf(),
): ClientConfig =
    ClientConfig(
        serverUrl = server.url,
        dataDir = dataDir.toString(),
        dev = true,
        spkiPins = listOf(),
        oauthProviders = oauthProviders,
    )

/**
 * The dev server's own OpenID provider ("DevID", `{server}/dev/oidc`), registered as a dev
 * build of the app registers it: its one public client and private-use redirect URI.
 */
fun devOidcProvider(server: ReferenceServer): OAuthProviderConfig =
    OAuthProviderConfig(
        name = "dev",
        issuer = "${server.url}/dev/oidc",
        clientId = "medcircle-app",
        redirectUri = "com.medcircle.app:/oauth/callback",
    )

/** Opens a client on [server], after checking the environment, for a clear failure. */
suspend fun openClient(
    server: ReferenceServer,
    dataDir: Path,
    oauthProviders: List<OAuthProviderConfig> = listOf(),
): MedCircle {
    TestEnv.requireClientEnvironment()
    return MedCircle.open(devConfig(server, dataDir, oauthProviders))
}

/** Whether the user has granted [purpose] (`consent.purposes()`). */
fun MedCircle.granted(purpose: ConsentPurpose): Boolean =
    consent().use { consent -> consent.purposes().any { it.purpose == purpose && it.granted } }

/** The decoded query parameters of [url] (an authorization or callback URL), each with all its values. */
fun queryParameters(url: String): Map<String, List<String>> {
    val query = url.substringAfter('?', "")
    if (query.isEmpty()) return emptyMap()
    return query.split('&').map { pair ->
        val key = URLDecoder.decode(pair.substringBefore('='), StandardCharsets.UTF_8)
        val value = URLDecoder.decode(pair.substringAfter('=', ""), StandardCharsets.UTF_8)
        key to value
    }.groupBy({ it.first }, { it.second })
}

/** The one value of [name] in [url]'s query, failing unless there is exactly one. */
fun queryParameter(url: String, name: String): String =
    queryParameters(url)[name]?.singleOrNull()
        ?: throw AssertionError("expected one $name in $url")

/** Fetches the policy and accepts the version fetched. */
suspend fun MedCircle.acceptPolicy(): Pair<PolicyDocument, ConsentStatus> =
    consent().use { consent ->
        val policy = consent.fetchPolicy()
        policy to consent.accept(policy.version)
    }

/** Requests a code for [phone], reads it from the dev outbox and verifies it. */
suspend fun MedCircle.loginWithSms(server: ReferenceServer, phone: String): UserProfile =
    auth().use { auth ->
        auth.requestSmsCode(phone)
        auth.verifySmsCode(phone, server.devOutboxCode(phone))
    }

/** A [SessionListener] that queues every state it is given, for a test thread to wait on. */
class RecordingSessionListener : SessionListener {
    private val states = LinkedBlockingQueue<SessionState>()

    override fun onUpdate(state: SessionState) {
        states.add(state)
    }

    /** The next state delivered, waiting at most [timeoutMs]. */
    fun next(timeoutMs: Long = 10_000): SessionState =
        states.poll(timeoutMs, TimeUnit.MILLISECONDS)
            ?: throw AssertionError("no session update within $timeoutMs ms")

    /** States delivered but not yet taken. */
    fun pending(): List<SessionState> = states.toList()
}

/**
 * Everything a core callback delivered, in order, for a test thread to wait on. The core calls
 * back on its own threads, so it is thread-safe.
 */
class Recorded<T> {
    private val values = CopyOnWriteArrayList<T>()

    fun add(value: T) {
        values.add(value)
    }

    /** What was delivered so far. */
    fun all(): List<T> = values.toList()

    /** Waits at most [timeoutMs] until what was delivered satisfies [condition]; returns it. */
    fun await(what: String, timeoutMs: Long = 10_000, condition: (List<T>) -> Boolean): List<T> {
        val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
        while (true) {
            val seen = all()
            if (condition(seen)) return seen
            if (System.nanoTime() > deadline) {
                throw AssertionError("timed out after $timeoutMs ms waiting for $what; delivered: $seen")
            }
            Thread.sleep(10)
        }
    }
}

/** A [LoginListener] that records every screen it is given. */
class RecordingLoginListener : LoginListener {
    val screens = Recorded<LoginScreen>()

    override fun onScreen(screen: LoginScreen) {
        screens.add(screen)
    }
}
