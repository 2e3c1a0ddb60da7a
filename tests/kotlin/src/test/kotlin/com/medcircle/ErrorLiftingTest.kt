package com.medcircle

import com.medcircle.core.AuthException
import com.medcircle.core.CertificationException
import com.medcircle.core.ClientException
import com.medcircle.core.ConsentException
import com.medcircle.core.ConsentPurpose
import com.medcircle.core.AddressField
import com.medcircle.core.FeedException
import com.medcircle.core.MallException
import com.medcircle.core.HelpException
import com.medcircle.core.NetworkProblem
import com.medcircle.core.PermissionException
import com.medcircle.core.PrivacyException
import com.medcircle.core.ProfileException
import com.medcircle.core.ProviderException
import com.medcircle.core.PurchaseException
import com.medcircle.core.RecordsException
import com.medcircle.core.SecurityException
import com.medcircle.support.TestEnv
import java.lang.reflect.Modifier
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotSame
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test

/**
 * Every case of every error type, handed to Rust and thrown back by the `testingThrow…`
 * exports, lifts to the same exception case with every field intact: unsigned fields at their
 * extremes, nested network problems, enum fields, text beyond ASCII. Each error type's list is
 * checked against the cases generated from its Rust enum (and their count, read off the enum),
 * so a case left out of a list fails the test.
 */
class ErrorLiftingTest {
    companion object {
        private const val CHINESE = "手机号格式不正确，请重新输入"
        private const val EMOJI = "证书照片 🩺 无法识别"

        /** Every network problem, unsigned fields at both ends. */
        private val PROBLEMS = listOf(
            NetworkProblem.Offline,
            NetworkProblem.Timeout,
            NetworkProblem.ServerUnavailable(UShort.MAX_VALUE),
            NetworkProblem.ServerUnavailable(0u),
            NetworkProblem.MalformedResponse(CHINESE),
            NetworkProblem.ResponseTooLarge(ULong.MAX_VALUE),
            NetworkProblem.Cancelled,
            NetworkProblem.InsecureConnection(EMOJI),
            NetworkProblem.UpdateRequired("10.0.1"),
            NetworkProblem.Rejected(UShort.MAX_VALUE, "未知代码", ""),
        )

        private val PURPOSES = ConsentPurpose.entries

        @JvmStatic
        @BeforeAll
        fun library() {
            TestEnv.nativeLibrary
        }
    }

    @Test
    fun `the network problems cover every case`() {
        // 9: the cases of `NetworkProblem` in core/src/net/error.rs.
        assertEquals(9, casesOf(NetworkProblem::class.java).size)
        assertEquals(casesOf(NetworkProblem::class.java), PROBLEMS.map { it.javaClass }.toSet())
    }

    @Test
    fun `every AuthError case lifts to its AuthException`() =
        assertEveryCaseLifts<AuthException>(
            rustCases = 33,
            throwBack = ::testingThrowAuthError,
            cases = listOf(
                AuthException.InvalidPhone(CHINESE),
                AuthException.InvalidCode(),
                AuthException.WrongCode(UInt.MAX_VALUE),
                AuthException.WrongCode(0u),
                AuthException.CodeExpired(),
                AuthException.CodeLocked(),
                AuthException.CarrierTokenInvalid(),
                AuthException.CarrierTokenExpired(),
                AuthException.CarrierTokenUsed(),
                AuthException.ReauthRequired(),
                AuthException.InvalidQrCode(EMOJI),
                AuthException.WebLoginNotFound(),
                AuthException.WebLoginExpired(),
                AuthException.WebLoginUsed(),
                AuthException.UnknownProvider("微信"),
                AuthException.ProviderMisconfigured(CHINESE),
                AuthException.ProviderDenied(EMOJI),
                AuthException.InvalidCallback(CHINESE),
                AuthException.IssuerMissing(),
                AuthException.IssuerMismatch(EMOJI),
                AuthException.NothingToBind(),
                AuthException.AuthorizationExpired(),
                AuthException.LoginCancelled(),
                AuthException.ProviderAppFailed(CHINESE),
                AuthException.IdTokenRejected(EMOJI),
                AuthException.UnexpectedLoginEvent(CHINESE),
                AuthException.RateLimited(ULong.MAX_VALUE),
                AuthException.RateLimited(0u),
                AuthException.ChallengeNotSolved(),
                AuthException.NotLoggedIn(),
                AuthException.UnsentWouldBeLost(UInt.MAX_VALUE),
                AuthException.SessionExpired(),
                AuthException.Storage(""),
            ) + PURPOSES.map { AuthException.ConsentRequired(it) } +
                PROBLEMS.map { AuthException.Network(it) },
        )

    @Test
    fun `every CertificationError case lifts to its CertificationException`() =
        assertEveryCaseLifts<CertificationException>(
            rustCases = 15,
            throwBack = ::testingThrowCertificationError,
            cases = listOf(
                CertificationException.NotLoggedIn(),
                CertificationException.SessionExpired(),
                CertificationException.InvalidIdNumber(CHINESE),
                CertificationException.UnsupportedImage(),
                CertificationException.ImageTooLarge(ULong.MAX_VALUE),
                CertificationException.EmptyImage(),
                CertificationException.InvalidImage(),
                CertificationException.PhotosRequired(),
                CertificationException.AlreadyCertified(),
                CertificationException.NotSubmitted(),
                CertificationException.ReauthRequired(),
                CertificationException.Cancelled(),
                CertificationException.Storage(EMOJI),
            ) + PURPOSES.map { CertificationException.ConsentRequired(it) } +
                PROBLEMS.map { CertificationException.Network(it) },
        )

    @Test
    fun `every ClientError case lifts to its ClientException`() =
        assertEveryCaseLifts<ClientException>(
            rustCases = 4,
            throwBack = ::testingThrowClientError,
            cases = listOf(
                ClientException.InvalidConfig(CHINESE),
                ClientException.InsecureServerUrl("http://医院.example/接口"),
                ClientException.SecureStoreUnavailable(EMOJI),
                ClientException.Storage(""),
            ),
        )

    @Test
    fun `every ConsentError case lifts to its ConsentException`() =
        assertEveryCaseLifts<ConsentException>(
            rustCases = 7,
            throwBack = ::testingThrowConsentError,
            cases = listOf(
                ConsentException.PolicyNotShown("2026-11 版"),
                ConsentException.PolicyNotAccepted(),
                ConsentException.SessionExpired(),
                ConsentException.Storage(CHINESE),
            ) + PURPOSES.map { ConsentException.NotInAcceptedPolicy(it) } +
                PURPOSES.map { ConsentException.NotOptional(it) } +
                PROBLEMS.map { ConsentException.Network(it) },
        )

    @Test
    fun `every FeedError case lifts to its FeedException`() =
        assertEveryCaseLifts<FeedException>(
            rustCases = 18,
            throwBack = ::testingThrowFeedError,
            cases = listOf(
                FeedException.NotLoggedIn(),
                FeedException.SessionExpired(),
                FeedException.PostNotFound(),
                FeedException.CommentNotFound(),
                FeedException.NotAuthor(),
                FeedException.NotYetSent(),
                FeedException.StillSending(),
                FeedException.AlreadySent(),
                FeedException.InvalidText(CHINESE),
                FeedException.InvalidQuery(EMOJI),
                FeedException.TooManyPhotos(UInt.MAX_VALUE),
                FeedException.UnsupportedImage(),
                FeedException.ImageTooLarge(ULong.MAX_VALUE),
                FeedException.ImageDimensionsTooLarge(UInt.MAX_VALUE),
                FeedException.Cancelled(),
                FeedException.Storage(CHINESE),
            ) + PURPOSES.map { FeedException.ConsentRequired(it) } +
                PROBLEMS.map { FeedException.Network(it) },
        )

    @Test
    fun `every HelpError case lifts to its HelpException`() =
        assertEveryCaseLifts<HelpException>(
            rustCases = 16,
            throwBack = ::testingThrowHelpError,
            cases = listOf(
                HelpException.NotLoggedIn(),
                HelpException.SessionExpired(),
                HelpException.InvalidText(CHINESE),
                HelpException.TooManyPhotos(UInt.MAX_VALUE),
                HelpException.PhotoPermissionRequired(),
                HelpException.UnsupportedImage(),
                HelpException.ImageTooLarge(ULong.MAX_VALUE),
                HelpException.ImageDimensionsTooLarge(UInt.MAX_VALUE),
                HelpException.InvalidContact(EMOJI),
                HelpException.InvalidQuery(),
                HelpException.ArticleNotFound(),
                HelpException.TicketNotFound(),
                HelpException.Cancelled(),
                HelpException.FeedbackNotFound(),
                HelpException.Storage(CHINESE),
            ) + PROBLEMS.map { HelpException.Network(it) },
        )

    @Test
    fun `every PermissionError case lifts to its PermissionException`() =
        assertEveryCaseLifts<PermissionException>(
            rustCases = 1,
            throwBack = ::testingThrowPermissionError,
            cases = listOf(PermissionException.Storage(EMOJI)),
        )

    @Test
    fun `every PrivacyError case lifts to its PrivacyException`() =
        assertEveryCaseLifts<PrivacyException>(
            rustCases = 5,
            throwBack = ::testingThrowPrivacyError,
            cases = listOf(
                PrivacyException.NotLoggedIn(),
                PrivacyException.SessionExpired(),
                PrivacyException.ReauthRequired(),
                PrivacyException.Storage(CHINESE),
            ) + PROBLEMS.map { PrivacyException.Network(it) },
        )

    @Test
    fun `every ProfileError case lifts to its ProfileException`() =
        assertEveryCaseLifts<ProfileException>(
            rustCases = 7,
            throwBack = ::testingThrowProfileError,
            cases = listOf(
                ProfileException.NotLoggedIn(),
                ProfileException.SessionExpired(),
                ProfileException.QueryTooLong(),
                ProfileException.UnknownUnit(),
                ProfileException.DepartmentNotInUnit(),
                ProfileException.Storage(EMOJI),
            ) + PROBLEMS.map { ProfileException.Network(it) },
        )

    @Test
    fun `every ProviderError case lifts to its ProviderException`() =
        assertEveryCaseLifts<ProviderException>(
            rustCases = 1,
            throwBack = ::testingThrowProviderError,
            cases = listOf(ProviderException.Failed(CHINESE), ProviderException.Failed("")),
        )

    @Test
    fun `every SecurityError case lifts to its SecurityException`() =
        assertEveryCaseLifts<SecurityException>(
            rustCases = 8,
            throwBack = ::testingThrowSecurityError,
            cases = listOf(
                SecurityException.NotLoggedIn(),
                SecurityException.SessionExpired(),
                SecurityException.ReauthRequired(),
                SecurityException.SessionNotFound(),
                SecurityException.CurrentSession(),
                SecurityException.NoticeNotFound(),
                SecurityException.Storage(CHINESE),
            ) + PROBLEMS.map { SecurityException.Network(it) },
        )

    @Test
    fun `every MallError case lifts to its MallException`() =
        assertEveryCaseLifts<MallException>(
            rustCases = 12,
            throwBack = ::testingThrowMallError,
            cases = listOf(
                MallException.NotLoggedIn(),
                MallException.SessionExpired(),
                MallException.OutOfStock(),
                MallException.InsufficientPoints(),
                MallException.LimitReached(),
                MallException.ItemNotFound(),
                MallException.AddressNotFound(),
                MallException.RedemptionNotFound(),
                MallException.NotCancellable(),
                MallException.Storage(CHINESE),
            ) + AddressField.entries.map { MallException.AddressInvalid(it) } +
                PROBLEMS.map { MallException.Network(it) },
        )

    @Test
    fun `every PurchaseError case lifts to its PurchaseException`() =
        assertEveryCaseLifts<PurchaseException>(
            rustCases = 11,
            throwBack = ::testingThrowPurchaseError,
            cases = listOf(
                PurchaseException.NotLoggedIn(),
                PurchaseException.SessionExpired(),
                PurchaseException.ReauthRequired(),
                PurchaseException.UnknownProduct(),
                PurchaseException.MethodUnavailable(),
                PurchaseException.GatewayUnavailable(),
                PurchaseException.OrderNotFound(),
                PurchaseException.AlreadyInProgress(),
                PurchaseException.PaymentAppFailed(EMOJI),
                PurchaseException.Storage(CHINESE),
            ) + PROBLEMS.map { PurchaseException.Network(it) },
        )

    @Test
    fun `every RecordsError case lifts to its RecordsException`() =
        assertEveryCaseLifts<RecordsException>(
            rustCases = 4,
            throwBack = ::testingThrowRecordsError,
            cases = listOf(
                RecordsException.PersonalDataRefused(),
                RecordsException.InvalidTarget(),
                RecordsException.Storage(CHINESE),
            ) + PROBLEMS.map { RecordsException.Network(it) },
        )
}

/** The cases generated for the sealed class [type]: its nested subclasses. */
private fun casesOf(type: Class<*>): Set<Class<*>> =
    type.declaredClasses.filter { it != type && type.isAssignableFrom(it) }.toSet()

/** The fields a case declares (not those every exception has), by name. */
private fun fieldsOf(value: Any): Map<String, Any?> =
    value.javaClass.declaredFields
        .filter { !Modifier.isStatic(it.modifiers) }
        .associate { field ->
            field.trySetAccessible()
            field.name to field.get(value)
        }

/**
 * Checks [cases] hold every case of [E] ([rustCases] of them, counted in the Rust enum), then
 * hands each to [throwBack] and checks what comes back thrown is a new exception of the same
 * case with equal fields.
 */
private inline fun <reified E : Exception> assertEveryCaseLifts(
    rustCases: Int,
    throwBack: (E) -> Unit,
    cases: List<E>,
) {
    val name = E::class.java.simpleName
    val generated = casesOf(E::class.java)
    assertEquals(rustCases, generated.size, "$name: cases generated from the Rust enum")
    assertEquals(
        generated.map { it.simpleName }.sorted(),
        cases.map { it.javaClass }.toSet().map { it.simpleName }.sorted(),
        "$name: cases this test sends",
    )
    for (sent in cases) {
        val thrown = try {
            throwBack(sent)
            throw AssertionError("$name.${sent.javaClass.simpleName}: nothing was thrown back")
        } catch (e: Exception) {
            e
        }
        val label = "$name.${sent.javaClass.simpleName}(${sent.message})"
        assertEquals(sent.javaClass, thrown.javaClass, "$label came back as ${thrown.javaClass.name}")
        assertNotSame(sent, thrown, "$label: lifted from Rust, not the object handed in")
        assertEquals(fieldsOf(sent), fieldsOf(thrown), "$label: fields")
    }
}
