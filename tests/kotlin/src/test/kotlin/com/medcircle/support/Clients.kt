package com.medcircle.support

import com.medcircle.MedCircle
import com.medcircle.SessionListener
import com.medcircle.core.ClientConfig
import com.medcircle.core.ConsentStatus
import com.medcircle.core.PolicyDocument
import com.medcircle.core.SessionState
import com.medcircle.core.UserProfile
import java.nio.file.Path
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/** A dev-mode client config for [server], with its data in [dataDir]. */
fun devConfig(server: ReferenceServer, dataDir: Path): ClientConfig =
    ClientConfig(
        serverUrl = server.url,
        dataDir = dataDir.toString(),
        dev = true,
        spkiPins = listOf(),
    )

/** Opens a client on [server], after checking the environment, for a clear failure. */
suspend fun openClient(server: ReferenceServer, dataDir: Path): MedCircle {
    TestEnv.requireClientEnvironment()
    return MedCircle.open(devConfig(server, dataDir))
}

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
