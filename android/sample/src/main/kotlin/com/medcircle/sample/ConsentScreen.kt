package com.medcircle.sample

import android.view.View
import android.widget.FrameLayout
import android.widget.ScrollView
import com.medcircle.Consent
import com.medcircle.core.ConsentException
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume

/**
 * The privacy policy before anything else: the core sends nothing but the policy's own
 * requests until it is accepted. Returns at once when the newest known version is accepted.
 */
suspend fun showConsent(root: FrameLayout, consent: Consent) {
    if (!consent.status().needsAcceptance) return
    val context = root.context
    val policy = context.label()
    val problem = context.label()
    val button = context.button("Agree") {}
    root.removeAllViews()
    root.addView(ScrollView(context).apply { addView(context.column(policy, button, problem)) })
    while (true) {
        try {
            val document = consent.fetchPolicy()
            policy.text = buildString {
                append(document.title).append("\n\n")
                document.sections.forEach { append(it.title).append('\n').append(it.text).append("\n\n") }
            }
            problem.text = ""
            button.text = "Agree"
            button.awaitClick()
            consent.accept(document.version)
            return
        } catch (e: ConsentException) {
            problem.text = describe(e)
            button.text = "Try again"
            button.awaitClick()
        }
    }
}

/** Waits for the next click on this view. */
suspend fun View.awaitClick() = suspendCancellableCoroutine { done ->
    setOnClickListener {
        setOnClickListener(null)
        done.resume(Unit)
    }
    done.invokeOnCancellation { setOnClickListener(null) }
}
