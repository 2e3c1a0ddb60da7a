// The MedCircle core as an Android library: the generated Kotlin bindings, the native
// libraries cross-compiled by `build-native.sh`, and the Kotlin layer in src/main/kotlin
// (flows, the OS's part). android/pom.xml compiles and tests the same sources on the JVM.
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
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
    testOptions.unitTests.all {
        // FlowsTest drives the host build of the library (`cargo build -p medcircle-ffi`) through
        // JNA; on Linux it needs a session keyring (tests/kotlin/README.md).
        it.systemProperty("jna.library.path", rootDir.resolve("../target/debug").path)
        // NoticesFlowTest starts the reference server (`cargo build -p medcircle-server`).
        it.systemProperty("medcircle.serverBin", rootDir.resolve("../target/debug/medcircle-server").path)
    }
}

dependencies {
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.activity)
    implementation(libs.androidx.browser)
    implementation(libs.androidx.core)
    implementation(libs.zxing.core)
    implementation(libs.wechat.opensdk)
    // AlipayPay compiles against it; an app paying with Alipay adds it (and its manifest) itself.
    compileOnly(libs.alipay.sdk)

    // The JVM's JNA, for the unit tests that load the host library.
    testImplementation(libs.jna)
    testImplementation(libs.junit4)
    testImplementation(libs.robolectric)
}
