// The MedCircle core as an Android library: the generated Kotlin bindings, the native
// libraries cross-compiled by `build-native.sh`, and the small Android-only glue.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "com.medcircle.android"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].apply {
        // Written by `cargo xtask bindings`.
        kotlin.srcDir("../../target/bindings/kotlin")
        // Written by `../build-native.sh`.
        jniLibs.srcDir("../../target/android/jniLibs")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}
