package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.ConsentException
import com.medcircle.core.ConsentPurpose
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.expectThrows
import com.medcircle.support.openClient
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Nothing but the policy may be fetched before the user accepts the privacy policy. */
class ConsentFirstTest : ServerTest() {

    @Test
    fun `a fresh client sends nothing until the policy is accepted`() = runBlocking {
        val phone = "13800138001"
        openClient(server, dataDir).use { client ->
            client.auth().use { auth ->
                client.consent().use { consent ->
                    val initial = consent.status()
                    assertTrue(initial.needsAcceptance, "fresh client: $initial")
                    assertNull(initial.acceptedVersion)
                    assertNull(initial.acceptedAt)

                    val before = server.devRequests()
                    val refused = expectThrows<AuthException.ConsentRequired> {
                        auth.requestSmsCode(phone)
                    }
                    assertEquals(ConsentPurpose.PRIVACY_POLICY, refused.purpose)
                    val after = server.devRequests()
                    assertEquals(before, after, "a refused request must not reach the server")
                    assertTrue(after.none { it.path.startsWith("/v1/auth") }, "requests: $after")

                    val policy = consent.fetchPolicy()
                    assertTrue(policy.version.isNotBlank(), "version: '${policy.version}'")
                    assertTrue(policy.title.isNotBlank(), "title: '${policy.title}'")
                    assertTrue(Regex("[0-9a-f]{64}").matches(policy.hash), "hash: '${policy.hash}'")
                    assertTrue(policy.sections.isNotEmpty(), "no sections")
                    for (section in policy.sections) {
                        assertTrue(section.id.isNotBlank(), "section id: $section")
                        assertTrue(section.text.isNotBlank(), "section text: $section")
                    }
                    assertEquals(
                        policy.sections.size,
                        policy.sections.map { it.id }.toSet().size,
                        "section ids must be unique",
                    )
                    assertEquals(
                        listOf(SeenRequest("GET", "/v1/policy")),
                        server.devRequests().drop(after.size),
                    )

                    val shown = consent.status()
                    assertEquals(policy.version, shown.currentVersion)
                    assertTrue(shown.needsAcceptance, "shown but not yet accepted: $shown")

                    // Only the version actually shown can be accepted.
                    val bogus = policy.version + "-not-shown"
                    val notShown = expectThrows<ConsentException.PolicyNotShown> { consent.accept(bogus) }
                    assertEquals(bogus, notShown.version)

                    val status = consent.accept(policy.version)
                    assertEquals(policy.version, status.acceptedVersion)
                    assertEquals(policy.version, status.currentVersion)
                    assertFalse(status.needsAcceptance, "after accept: $status")
                    val acceptedAt = status.acceptedAt ?: throw AssertionError("acceptedAt missing: $status")
                    val now = System.currentTimeMillis() / 1000
                    assertTrue(acceptedAt in (now - 300)..(now + 300), "acceptedAt $acceptedAt vs now $now")
                    assertEquals(status, consent.status())

                    val sent = auth.requestSmsCode(phone)
                    assertEquals(60u, sent.cooldownS)
                    assertEquals(300u, sent.expiresInS)
                    assertTrue(
                        server.devRequests().contains(SeenRequest("POST", "/v1/auth/sms/send")),
                        "requests: ${server.devRequests()}",
                    )
                    assertTrue(Regex("\\d{6}").matches(server.devOutboxCode(phone)))
                }
            }
        }
    }
}
