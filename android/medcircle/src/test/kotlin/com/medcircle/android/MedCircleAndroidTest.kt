package com.medcircle.android

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

@RunWith(RobolectricTestRunner::class)
class MedCircleAndroidTest {
    @Test
    fun the_databases_live_where_no_backup_reaches() {
        val app = RuntimeEnvironment.getApplication()
        val dir = MedCircleAndroid.dataDirectory(app)
        assertEquals(app.noBackupFilesDir.canonicalFile, dir.canonicalFile.parentFile)
        for (backedUp in listOf(app.filesDir, app.cacheDir, app.getExternalFilesDir(null), app.dataDir)) {
            if (backedUp != null && backedUp != app.dataDir) {
                assertTrue("$dir is under $backedUp", !dir.canonicalPath.startsWith(backedUp.canonicalPath + "/"))
            }
        }
    }
}
