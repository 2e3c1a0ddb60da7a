package com.medcircle

import com.medcircle.core.ConsentException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.Feature
import com.medcircle.core.PermissionDecision
import com.medcircle.core.PurposeConsent
import com.medcircle.core.UnavailableReason
import com.medcircle.support.ServerTest
import com.medcircle.support.acceptPolicy
import com.medcircle.support.expectThrows
import com.medcircle.support.openClient
import com.medcircle.support.timed
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Optional purposes: decided one by one, only after the policy, and remembered. */
class ConsentPurposesTest : ServerTest() {

    private val optional = ConsentPurpose.entries.filter { it != ConsentPurpose.PRIVACY_POLICY }

    private fun undecided(purpose: ConsentPurpose) = PurposeConsent(purpose, false, null, null)

    @Test
    fun `optional purposes are decided only after the policy, which is not one of them`() = runBlocking {
        openClient(server, dataDir).use { client ->
            client.consent().use { consent ->
                assertEquals(optional.map(::undecided), consent.purposes(), "a fresh client has decided nothing")

                for (purpose in optional) {
                    expectThrows<ConsentException.PolicyNotAccepted> { consent.grant(purpose) }
                    expectThrows<ConsentException.PolicyNotAccepted> { consent.withdraw(purpose) }
                }
                val notOptional = expectThrows<ConsentException.NotOptional> {
                    consent.grant(ConsentPurpose.PRIVACY_POLICY)
                }
                assertEquals(ConsentPurpose.PRIVACY_POLICY, notOptional.purpose)
                assertEquals(optional.map(::undecided), consent.purposes(), "a refused grant was recorded")

                client.acceptPolicy()

                // Accepting the policy grants none of the optional purposes.
                assertEquals(optional.map(::undecided), consent.purposes())
                // The policy is accepted with accept(); it is neither granted nor withdrawn.
                assertEquals(
                    ConsentPurpose.PRIVACY_POLICY,
                    expectThrows<ConsentException.NotOptional> { consent.grant(ConsentPurpose.PRIVACY_POLICY) }.purpose,
                )
                assertEquals(
                    ConsentPurpose.PRIVACY_POLICY,
                    expectThrows<ConsentException.NotOptional> { consent.withdraw(ConsentPurpose.PRIVACY_POLICY) }.purpose,
                )
                assertFalse(consent.status().needsAcceptance, "withdraw(PRIVACY_POLICY) undid the acceptance")
            }
        }
    }

    @Test
    fun `grants and withdrawals are listed with their policy version and survive a reopen`() = runBlocking {
        val (listed, version) = openClient(server, dataDir).use { client ->
            val version = client.acceptPolicy().first.version
            client.consent().use { consent ->
                val (location, locationWithin) = timed { consent.grant(ConsentPurpose.PRECISE_LOCATION) }
                assertEquals(ConsentPurpose.PRECISE_LOCATION, location.purpose)
                assertTrue(location.granted, "$location")
                assertEquals(version, location.policyVersion)
                val locationAt = location.decidedAt ?: throw AssertionError("decidedAt missing: $location")
                assertTrue(locationAt in locationWithin, "decidedAt $locationAt outside $locationWithin")

                // Granted, then withdrawn: the latest decision counts, and it is dated.
                assertTrue(consent.grant(ConsentPurpose.THIRD_PARTY_SHARING).granted)
                val (sharing, sharingWithin) = timed { consent.withdraw(ConsentPurpose.THIRD_PARTY_SHARING) }
                assertFalse(sharing.granted, "$sharing")
                assertEquals(version, sharing.policyVersion)
                val sharingAt = sharing.decidedAt ?: throw AssertionError("decidedAt missing: $sharing")
                assertTrue(sharingAt in sharingWithin, "decidedAt $sharingAt outside $sharingWithin")

                // Withdrawing what was never granted is a decision too ("no"), not "undecided".
                val browsing = consent.withdraw(ConsentPurpose.BROWSING_RECORDS)
                assertFalse(browsing.granted)
                assertEquals(version, browsing.policyVersion)
                assertTrue(browsing.decidedAt != null, "$browsing")

                val purposes = consent.purposes()
                assertEquals(optional, purposes.map { it.purpose }, "the five optional purposes, each once")
                val byPurpose = purposes.associateBy { it.purpose }
                assertEquals(location, byPurpose[ConsentPurpose.PRECISE_LOCATION])
                assertEquals(sharing, byPurpose[ConsentPurpose.THIRD_PARTY_SHARING])
                assertEquals(browsing, byPurpose[ConsentPurpose.BROWSING_RECORDS])
                assertEquals(undecided(ConsentPurpose.PERSONALISATION), byPurpose[ConsentPurpose.PERSONALISATION])
                assertEquals(undecided(ConsentPurpose.IDENTITY_VERIFICATION), byPurpose[ConsentPurpose.IDENTITY_VERIFICATION])
                assertEquals(
                    setOf(ConsentPurpose.PRECISE_LOCATION),
                    purposes.filter { it.granted }.map { it.purpose }.toSet(),
                )
                purposes to version
            }
        }

        openClient(server, dataDir).use { client ->
            client.consent().use { consent ->
                assertEquals(version, consent.status().acceptedVersion)
                assertEquals(listed, consent.purposes(), "purpose decisions lost on reopen")

                // Still decidable without fetching the policy again: the acceptance is stored.
                val personalisation = consent.grant(ConsentPurpose.PERSONALISATION)
                assertTrue(personalisation.granted)
                assertEquals(version, personalisation.policyVersion)
            }
            // The gate reads the restored consent: location is granted, the switch still off.
            client.permissions().use { permissions ->
                assertEquals(
                    PermissionDecision.Unavailable(UnavailableReason.PositioningOff),
                    permissions.check(Feature.POSITIONING),
                )
                assertEquals(
                    PermissionDecision.Unavailable(UnavailableReason.ConsentRequired(ConsentPurpose.IDENTITY_VERIFICATION)),
                    permissions.check(Feature.CERTIFICATION_PHOTOS),
                )
            }
        }
    }
}
