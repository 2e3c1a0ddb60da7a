package com.medcircle.sample

import android.net.Uri
import android.os.Bundle
import android.widget.FrameLayout
import androidx.activity.ComponentActivity
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts.PickVisualMedia
import androidx.lifecycle.lifecycleScope
import com.medcircle.android.sessionFlow
import com.medcircle.core.SessionState
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The sample's one activity: the privacy policy until it is accepted, then the login while
 * nobody is logged in, and the feed while someone is. Which one shows follows the core's
 * session: a logout, or the server ending the session, brings the login back by itself.
 */
class SampleActivity : ComponentActivity() {
    private var photoChosen: CompletableDeferred<Uri?>? = null
    private val photoPicker = registerForActivityResult(PickVisualMedia()) { photoChosen?.complete(it) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val root = FrameLayout(this)
        setContentView(root)
        lifecycleScope.launch {
            val client = (application as SampleApp).client.await()
            showConsent(root, client.consent())
            client.auth().sessionFlow()
                .map { (it is SessionState.LoggedIn) to (it as? SessionState.Ended)?.reason }
                .distinctUntilChanged()
                .collectLatest { (loggedIn, ended) ->
                    // The screen's work runs in this scope: the next session change cancels it.
                    coroutineScope {
                        val screen = if (loggedIn) {
                            feedScreen(this@SampleActivity, client)
                        } else {
                            loginScreen(this@SampleActivity, client.auth().loginFlow(), ended)
                        }
                        root.removeAllViews()
                        root.addView(screen)
                        awaitCancellation()
                    }
                }
        }
    }

    /** A photo from the system picker (no permission needed), or null if none was chosen. */
    suspend fun pickPhoto(): ByteArray? {
        val chosen = CompletableDeferred<Uri?>().also { photoChosen = it }
        photoPicker.launch(PickVisualMediaRequest.Builder().setMediaType(PickVisualMedia.ImageOnly).build())
        val uri = chosen.await() ?: return null
        return withContext(Dispatchers.IO) { contentResolver.openInputStream(uri)?.use { it.readBytes() } }
    }
}
