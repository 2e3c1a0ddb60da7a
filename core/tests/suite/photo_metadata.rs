//! Photos leave the phone without their metadata: a camera's position, serial, comments and
//! thumbnails reach neither the server nor another user, and the pixels are the same.

use std::sync::Arc;

use crate::common::images::{
    ORIENTATION_ONLY, PLANTED, camera_jpeg, camera_png, contains, jpeg_pixels, png_pixels,
};
use crate::common::{Harness, NoProgress};
use medcircle_core::CancelToken;

#[tokio::test]
async fn photos_reach_the_server_and_other_users_without_their_metadata() {
    let h = Harness::start();
    let author = h.consented_client("author").await;
    h.login(&author, "13800138301").await;
    let reader = h.consented_client("reader").await;
    h.login(&reader, "13800138302").await;

    let (jpeg, clean_jpeg) = camera_jpeg();
    let (png, clean_png) = camera_png();
    for needle in PLANTED {
        assert!(contains(&jpeg, needle), "the JPEG plants {needle}");
    }
    let posted = author
        .feed()
        .publish(
            "查房记录".into(),
            vec![jpeg, png],
            Arc::new(NoProgress),
            CancelToken::new(),
        )
        .await
        .unwrap();
    let photos = &posted.post.photos;
    assert_eq!(photos.len(), 2);

    // What the server stored and serves to another user.
    let served_jpeg = reader
        .feed()
        .photo(photos[0].id.clone(), posted.post.id.clone())
        .await
        .unwrap();
    let served_png = reader
        .feed()
        .photo(photos[1].id.clone(), posted.post.id.clone())
        .await
        .unwrap();
    for served in [&served_jpeg, &served_png] {
        for needle in PLANTED {
            assert!(!contains(served, needle), "{needle} reached the server");
        }
    }
    assert_eq!(jpeg_pixels(&served_jpeg), jpeg_pixels(&clean_jpeg));
    assert_eq!(png_pixels(&served_png), png_pixels(&clean_png));
    assert!(
        served_jpeg
            .windows(ORIENTATION_ONLY.len())
            .any(|w| w == ORIENTATION_ONLY),
        "the orientation is kept, alone"
    );
}
