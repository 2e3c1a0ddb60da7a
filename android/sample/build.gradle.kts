// The sample app: consent, SMS login, the live feed, posting with a photo; views built in code.
// android/pom.xml compiles the same sources on the JVM. The server's URL is a manifest
// placeholder: `-PmedcircleServerUrl=http://127.0.0.1:8080` with `adb reverse tcp:8080 tcp:8080`
// reaches the reference server (`--dev`) from a debug build.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

android {
    namespace = "com.medcircle.sample"
    compileSdk = 35
    defaultConfig {
        applicationId = "com.medcircle.sample"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1"
        manifestPlaceholders["medcircleServerUrl"] =
            providers.gradleProperty("medcircleServerUrl").getOrElse("https://api.medcircle.example")
        // The library's redirect activity (third-party login, not used by this sample).
        manifestPlaceholders["medcircleRedirectScheme"] = "com.medcircle.sample"
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    implementation(project(":medcircle"))
    implementation(libs.androidx.activity)
    implementation(libs.androidx.lifecycle.runtime.ktx)
    implementation(libs.kotlinx.coroutines.android)
}
