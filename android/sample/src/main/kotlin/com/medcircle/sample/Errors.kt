package com.medcircle.sample

import com.medcircle.core.AuthException
import com.medcircle.core.ConsentException
import com.medcircle.core.EndReason
import com.medcircle.core.FeedException

/** What to tell the user about a failure: the cases a screen acts on, the rest by name. */
fun describe(error: Throwable): String = when (error) {
    is AuthException.InvalidPhone -> "That is not a mobile number."
    is AuthException.WrongCode -> "Wrong code: ${error.attemptsLeft} attempts left."
    is AuthException.CodeExpired -> "The code has expired: go back and ask for a new one."
    is AuthException.RateLimited -> "Too many tries: wait ${error.retryAfterS} s."
    is AuthException.UnsentWouldBeLost ->
        "${error.count} items are not sent yet: log out again to discard them."
    is AuthException.Network, is ConsentException.Network, is FeedException.Network ->
        "No connection to the server."
    else -> error.message?.takeIf { it.isNotBlank() } ?: error::class.simpleName.orEmpty()
}

/** Why the server ended the session, for the login screen that follows. */
fun describe(reason: EndReason): String = when (reason) {
    EndReason.SIGNED_OUT_FROM_ANOTHER_DEVICE -> "You were signed out from another device."
    EndReason.FORCED_LOGOUT -> "Your sessions were ended to protect your account: see the security notices."
    EndReason.REFRESH_REFUSED -> "Your session has ended."
}
