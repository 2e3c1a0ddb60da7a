//! Personalised order: within one page of the chronological feed, posts about the viewer's
//! interest tags come first. Only the page's order changes, so paging stays the same.

use crate::feed::posts::Post;

/// Lower-case words that put a post under a tag, English and Chinese. A tag not listed here
/// matches its own label.
const KEYWORDS: [(&str, &[&str]); 5] = [
    (
        "Cardiology",
        &[
            "cardio",
            "heart",
            "myocardial",
            "ecg",
            "心内",
            "心肌",
            "心脏",
            "心电",
            "心衰",
        ],
    ),
    (
        "Oncology",
        &[
            "oncolog", "cancer", "tumor", "tumour", "chemo", "肿瘤", "癌", "化疗",
        ],
    ),
    (
        "Medical education",
        &[
            "education",
            "teaching",
            "resident",
            "journal club",
            "教学",
            "规培",
            "住院医",
        ],
    ),
    (
        "Neurology",
        &[
            "neuro", "stroke", "epilep", "migraine", "神经", "卒中", "癫痫",
        ],
    ),
    (
        "Pediatrics",
        &[
            "pediatric",
            "paediatric",
            "child",
            "infant",
            "neonat",
            "儿科",
            "儿童",
            "新生儿",
        ],
    ),
];

/// The keywords of the tags with these labels.
pub fn keywords<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut words = Vec::new();
    for label in labels {
        match KEYWORDS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(label))
        {
            Some((_, known)) => words.extend(known.iter().map(|word| (*word).to_owned())),
            None => words.push(label.to_lowercase()),
        }
    }
    words
}

/// Moves the posts matching any of `keywords` to the front, keeping the order within each part.
pub fn rank(posts: &mut [Post], keywords: &[String]) {
    posts.sort_by_cached_key(|post| {
        let text = post.text.to_lowercase();
        !keywords.iter().any(|word| text.contains(word.as_str()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeded_label_matches_itself() {
        for (label, _) in KEYWORDS {
            let words = keywords([label]);
            let text = label.to_lowercase();
            assert!(
                words.iter().any(|word| text.contains(word.as_str())),
                "{label}"
            );
        }
        assert_eq!(keywords(["Dermatology"]), ["dermatology"]);
    }
}
