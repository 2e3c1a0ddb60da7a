//! SQLCipher as the app ships it, and the checks that keep its databases SQLCipher 4 compatible.
