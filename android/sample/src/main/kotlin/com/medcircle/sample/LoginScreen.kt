package com.medcircle.sample

import android.content.Context
import android.text.InputType
import android.view.View
import com.medcircle.Login
import com.medcircle.android.screenFlow
import com.medcircle.core.EndReason
import com.medcircle.core.LoginEvent
import com.medcircle.core.LoginStep
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * SMS login, drawn from the core's login flow: the screen shows what each `LoginScreen` says
 * (the step, busy, the last error) and sends the user's actions as events. [ended] is why the
 * server ended the last session, if it did: said at the start.
 */
fun CoroutineScope.loginScreen(context: Context, login: Login, ended: EndReason? = null): View {
    val prompt = context.label()
    val phone = context.field("Mobile number", InputType.TYPE_CLASS_PHONE)
    val code = context.field("Code", InputType.TYPE_CLASS_NUMBER)
    val problem = context.label()
    fun send(event: () -> LoginEvent) = launch { login.send(event()) }
    val request = context.button("Send code") { send { LoginEvent.RequestSmsCode(phone.text.toString()) } }
    val submit = context.button("Log in") { send { LoginEvent.SubmitSmsCode(code.text.toString()) } }
    val back = context.button("Back") { send { LoginEvent.Back } }
    launch {
        login.screenFlow().collect { screen ->
            val step = screen.step
            prompt.text = when (step) {
                is LoginStep.Start -> ended?.let { describe(it) + " " }.orEmpty() + "Log in with your mobile number."
                is LoginStep.EnterSmsCode -> "Enter the code sent to ${step.phoneMasked}."
                is LoginStep.LoggedIn -> "Welcome, ${step.user.nickname}."
                // Other ways in (one-tap, providers) are not part of this sample.
                else -> "This sample logs in with an SMS code only."
            }
            val start = step is LoginStep.Start
            val entering = step is LoginStep.EnterSmsCode
            phone.shown(start)
            request.shown(start)
            code.shown(entering)
            submit.shown(entering)
            back.shown(!start && step !is LoginStep.LoggedIn)
            listOf(phone, code, request, submit, back).forEach { it.isEnabled = !screen.busy }
            problem.text = screen.error?.let(::describe).orEmpty()
        }
    }
    return context.column(prompt, phone, request, code, submit, back, problem)
}

fun View.shown(shown: Boolean) {
    visibility = if (shown) View.VISIBLE else View.GONE
}
