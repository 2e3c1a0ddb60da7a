package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.SessionState
import com.medcircle.support.SeenRequest
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.devOidcProvider
import com.medcircle.support.expectThrows
import com.medcircle.support.granted
import com.medcircle.support.openClient
import com.medcircle.support.queryParameter
import com.medcircle.support.queryParameters
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Third-party login (OpenID Connect, authorization code with PKCE) with the reference server's
 * dev provider, registered as "dev". The test plays the browser at the provider
 * (`/dev/oidc/authorize`, redirects not followed): the 302's `Location` is the callback the app
 * receives. The provider's nickname and picture reach the profile only if the user binds,
 * which is recorded as the THIRD_PARTY_SHARING consent.
 */
class OAuthLoginTest : ServerTest() {

    private val login = SeenRequest("POST", "/v1/auth/oauth")
    private val redirectUri = "com.medcircle.app:/oauth/callback"

    private suspend fun openOAuthClient(dir: Path = dataDir) =
        openClient(server, dir, listOf(devOidcProvider(server)))

    @Test
    fun `binding copies the provider's nickname and avatar and records the consent`() = runBlocking {
        openOAuthClient().use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                assertEquals(listOf("dev"), auth.oauthProviders())

                val started = auth.startOauthLogin("dev")
                assertEquals("dev", started.provider)
                val url = started.authorizationUrl
                assertTrue(url.startsWith("${server.url}/dev/oidc/authorize?"), "url: $url")
                val query = queryParameters(url)
                assertEquals(listOf("S256"), query["code_challenge_method"], "url: $url")
                assertEquals(43, queryParameter(url, "code_challenge").length, "url: $url")
                assertEquals(listOf("code"), query["response_type"], "url: $url")
                assertEquals(listOf("medcircle-app"), query["client_id"], "url: $url")
                assertEquals(listOf(redirectUri), query["redirect_uri"], "url: $url")
                assertTrue("openid" in queryParameter(url, "scope").split(' '), "url: $url")
                val state = queryParameter(url, "state")
                assertTrue(state.length >= 16, "state: $state")
                assertTrue(queryParameter(url, "nonce").isNotEmpty(), "url: $url")

                val callback = server.browserAuthorize(url, "doctor-li")
                assertTrue(callback.startsWith("$redirectUri?"), "callback: $callback")
                assertEquals(state, queryParameter(callback, "state"))
                assertTrue(queryParameter(callback, "code").isNotEmpty(), "callback: $callback")

                val account = auth.completeOauthLogin(callback)
                assertEquals("dev", account.provider)
                assertEquals("Dr. Demo", account.nickname)
                val avatar = account.avatarUrl ?: throw AssertionError("the provider has a picture: $account")
                assertTrue(avatar.startsWith("http"), "avatar: $avatar")
                // Shown to the user before anything is decided: not logged in, nothing shared yet.
                assertEquals(SessionState.LoggedOut, auth.sessionState())
                assertFalse(client.granted(ConsentPurpose.THIRD_PARTY_SHARING), "granted before the user decided")
                assertEquals(0, server.devRequests().count { it == login }, "logged in before the user decided")

                val user = auth.finishOauthLogin(true)
                assertEquals("Dr. Demo", user.nickname)
                assertEquals(avatar, user.avatarUrl)
                assertTrue(user.id.isNotBlank(), "user: $user")
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                assertEquals(avatar, auth.whoami().avatarUrl)
                assertTrue(client.granted(ConsentPurpose.THIRD_PARTY_SHARING), "binding must be a recorded consent")
                assertEquals(1, server.devRequests().count { it == login })

                // The same provider account, on another installation, is the same MedCircle
                // account, and the consent given by binding follows it there.
                val otherDir = Files.createDirectories(dataDir.resolve("other-install"))
                openOAuthClient(otherDir).use { other ->
                    other.acceptPolicy()
                    assertFalse(other.granted(ConsentPurpose.THIRD_PARTY_SHARING))
                    other.auth().use { otherAuth ->
                        val again = otherAuth.startOauthLogin("dev").authorizationUrl
                        otherAuth.completeOauthLogin(server.browserAuthorize(again, "doctor-li"))
                        assertEquals(user.id, otherAuth.finishOauthLogin(false).id)
                        assertTrue(other.granted(ConsentPurpose.THIRD_PARTY_SHARING), "the account's consent did not follow it")
                    }
                }
            }
        }
    }

    @Test
    fun `declining to bind logs in with a default profile and shares nothing`() = runBlocking {
        openOAuthClient().use { client ->
            client.acceptPolicy()
            client.auth().use { auth ->
                val started = auth.startOauthLogin("dev")
                val account = auth.completeOauthLogin(server.browserAuthorize(started.authorizationUrl, "doctor-wang"))
                assertEquals("Dr. Demo", account.nickname)
                assertNotNull(account.avatarUrl, "the provider has a picture: $account")

                val user = auth.finishOauthLogin(false)
                assertNotEquals("Dr. Demo", user.nickname)
                assertTrue(user.nickname.isNotBlank(), "user: $user")
                assertNull(user.avatarUrl, "user: $user")
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())
                val me = auth.whoami()
                assertEquals(user.id, me.id)
                assertEquals(user.nickname, me.nickname)
                assertNull(me.avatarUrl)
                assertFalse(client.granted(ConsentPurpose.THIRD_PARTY_SHARING), "declining must not grant sharing")
                assertEquals(1, server.devRequests().count { it == login })
            }
        }
    }

    @Test
    fun `a refusal at the provider, a forged state and an unknown provider log nobody in`() = runBlocking {
        openOAuthClient().use { client ->
            client.auth().use { auth ->
                // Before the policy is accepted nothing starts.
                val early = expectThrows<AuthException.ConsentRequired> { auth.startOauthLogin("dev") }
                assertEquals(ConsentPurpose.PRIVACY_POLICY, early.purpose)
                client.acceptPolicy()

                // The user refuses at the provider.
                val refused = auth.startOauthLogin("dev")
                val denial = server.browserDenyAuthorization(refused.authorizationUrl)
                assertEquals(listOf("access_denied"), queryParameters(denial)["error"], "callback: $denial")
                val denied = expectThrows<AuthException.ProviderDenied> { auth.completeOauthLogin(denial) }
                assertTrue(denied.reason.startsWith("access_denied"), "reason: ${denied.reason}")
                expectThrows<AuthException.InvalidCallback> { auth.finishOauthLogin(true) }
                assertEquals(SessionState.LoggedOut, auth.sessionState())

                // An answer whose state is not this request's: refused, and the authorization is spent.
                val started = auth.startOauthLogin("dev")
                val callback = server.browserAuthorize(started.authorizationUrl, "doctor-li")
                val state = queryParameter(callback, "state")
                assertEquals(queryParameter(started.authorizationUrl, "state"), state)
                val forged = callback.replace("state=$state", "state=forged-${state.reversed()}")
                assertNotEquals(callback, forged)
                assertNotEquals(state, queryParameter(forged, "state"))
                expectThrows<AuthException.InvalidCallback> { auth.completeOauthLogin(forged) }
                expectThrows<AuthException.InvalidCallback> { auth.completeOauthLogin(callback) }
                expectThrows<AuthException.InvalidCallback> { auth.finishOauthLogin(true) }

                val unknown = expectThrows<AuthException.UnknownProvider> { auth.startOauthLogin("nowhere") }
                assertEquals("nowhere", unknown.name)

                assertEquals(SessionState.LoggedOut, auth.sessionState())
                assertFalse(client.granted(ConsentPurpose.THIRD_PARTY_SHARING), "a failed login granted sharing")
                val seen = server.devRequests()
                assertEquals(0, seen.count { it == login }, "requests: $seen")

                // The refusals were the answers': a genuine one still logs in.
                val fresh = auth.startOauthLogin("dev")
                auth.completeOauthLogin(server.browserAuthorize(fresh.authorizationUrl, "doctor-li"))
                val user = auth.finishOauthLogin(false)
                assertEquals(SessionState.LoggedIn(user), auth.sessionState())
            }
        }
    }
}
