package com.medcircle.sample

import android.content.Context
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView

// The few views the sample builds in code.

fun Context.column(vararg views: View): LinearLayout = LinearLayout(this).apply {
    orientation = LinearLayout.VERTICAL
    val padding = (16 * resources.displayMetrics.density).toInt()
    setPadding(padding, padding, padding, padding)
    views.forEach(::addView)
}

fun Context.row(vararg views: View): LinearLayout = LinearLayout(this).apply {
    orientation = LinearLayout.HORIZONTAL
    views.forEach(::addView)
}

fun Context.label(text: String = ""): TextView = TextView(this).apply { this.text = text }

fun Context.button(text: String, onClick: () -> Unit): Button = Button(this).apply {
    this.text = text
    setOnClickListener { onClick() }
}

fun Context.field(hint: String, inputType: Int): EditText = EditText(this).apply {
    this.hint = hint
    this.inputType = inputType
}
