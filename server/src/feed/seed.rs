//! Demo content for dev mode: a few authors, posts in Chinese and English spread over the last
//! five days, some comments and likes. Fixed texts, so every dev server shows the same feed.

use rusqlite::{Connection, params};

const AUTHORS: [&str; 5] = ["王医生", "Dr. Chen", "李护士长", "Dr. Sarah Lin", "张主任"];

/// (author, text), oldest first.
const POSTS: [(usize, &str); 40] = [
    (0, "今天的病例讨论：急性心肌梗死的早期识别"),
    (
        1,
        "Tips for the night shift: eat a real meal before midnight, and write handover notes as you go.",
    ),
    (
        2,
        "新入职护士培训第一周，大家有什么好的带教经验可以分享吗？",
    ),
    (
        3,
        "Journal club this Friday: the latest trial on SGLT2 inhibitors in heart failure.",
    ),
    (4, "科室本月开展了三例经导管主动脉瓣置换术，患者恢复良好。"),
    (0, "心电图读图小技巧：先看节律，再看电轴，最后看ST段。"),
    (
        1,
        "A reminder that hand hygiene compliance drops on weekends. Let's keep it up.",
    ),
    (2, "儿科病房最近流感患儿增多，家长宣教要做到位。"),
    (
        3,
        "Stroke code drill today: door-to-needle time down to 38 minutes. Proud of the team.",
    ),
    (
        4,
        "肿瘤多学科会诊（MDT）每周三下午两点，欢迎各科室同事参加。",
    ),
    (
        0,
        "急诊遇到一例年轻患者胸痛，最终诊断为主动脉夹层，提醒大家不要漏诊。",
    ),
    (
        1,
        "What is your go-to mnemonic for the causes of metabolic acidosis?",
    ),
    (2, "夜班护理交接清单模板整理好了，需要的同事私信我。"),
    (
        3,
        "Pediatric dosing by weight: always double-check the decimal point.",
    ),
    (
        4,
        "规培住院医第一次独立值班，分享几点心得：不懂就问，及时上报。",
    ),
    (0, "高血压患者的家庭血压监测，怎样指导更有效？"),
    (
        1,
        "Interesting case: new-onset seizure in an adult, MRI showed a small meningioma.",
    ),
    (2, "新生儿黄疸的居家观察要点，整理给宝妈们参考。"),
    (
        3,
        "Teaching rounds tip: ask the resident to present the plan before the history.",
    ),
    (4, "化疗期间的营养支持常被忽视，建议早期请营养科会诊。"),
    (0, "今天门诊看了六十个号，嗓子快哑了，大家注意休息。"),
    (
        1,
        "Cancer screening uptake in our district rose 12% after the SMS reminder program.",
    ),
    (2, "静脉留置针的维护，这几个细节一定要注意。"),
    (
        3,
        "Migraine or something worse? Red flags we reviewed in today's neurology meeting.",
    ),
    (4, "医院启用了新的电子病历系统，第一周大家辛苦了。"),
    (0, "房颤患者抗凝治疗的出血风险评估，HAS-BLED评分怎么用？"),
    (
        1,
        "Heart failure clinic: patients who weigh themselves daily come back less often.",
    ),
    (2, "护理科研选题交流：大家最近在做什么课题？"),
    (
        3,
        "Child with fever and rash: a practical approach for the emergency department.",
    ),
    (4, "卒中中心建设经验分享：流程再造比设备更重要。"),
    (0, "心肺复苏指南更新要点总结，欢迎补充。"),
    (1, "Burnout is real. Take the leave you are owed."),
    (2, "糖尿病足的早期识别与护理，一张图看懂。"),
    (
        3,
        "Resident teaching: how to break bad news, using the SPIKES protocol.",
    ),
    (4, "癫痫持续状态的急诊处理流程，科室内部培训资料。"),
    (0, "冬季心血管事件高发，提醒老年患者注意保暖。"),
    (
        1,
        "Quick poll: do you still use paper checklists in the OR?",
    ),
    (2, "感谢患者家属送来的锦旗，这是对整个团队的肯定。"),
    (3, "ECG of the week: can you spot the Wellens pattern?"),
    (4, "医学教育的未来：模拟教学在临床技能培训中的作用。"),
];

/// (post, author, text).
const COMMENTS: [(usize, usize, &str); 12] = [
    (0, 1, "Great summary, thanks for sharing."),
    (0, 2, "收藏了，下周科室学习用。"),
    (1, 3, "And drink water, not just coffee!"),
    (5, 4, "很实用的读图顺序。"),
    (8, 0, "38分钟，非常棒！"),
    (10, 3, "A case worth presenting at grand rounds."),
    (14, 2, "第一次值班确实紧张，加油！"),
    (21, 4, "短信提醒的效果比预想的好。"),
    (26, 0, "同意，体重监测很关键。"),
    (31, 2, "Agreed. Rest is part of the job."),
    (38, 1, "T-wave inversion in V2-V3, classic."),
    (39, 3, "Simulation changed how I learned procedures."),
];

const SPREAD_S: i64 = 3 * 3600;

/// Seeds the demo content if there are no posts yet (the first dev start, or after all were
/// deleted), within the caller's transaction.
pub fn demo(tx: &Connection, now: i64) -> rusqlite::Result<()> {
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM posts)", [], |row| {
        row.get(0)
    })?;
    if !empty {
        return Ok(());
    }
    let authors: Vec<String> = (1..=AUTHORS.len())
        .map(|n| format!("u_{:016x}", 0xd000 + n))
        .collect();
    let first = now - SPREAD_S * POSTS.len() as i64;
    for (author, nickname) in authors.iter().zip(AUTHORS) {
        // The phone key is not an HMAC (those are 32 bytes), so no phone can log in as them.
        tx.execute(
            "INSERT INTO users (id, phone_key, nickname, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            params![
                author,
                format!("demo:{author}").into_bytes(),
                nickname,
                first
            ],
        )?;
    }
    let mut posts = Vec::with_capacity(POSTS.len());
    for (i, (author, text)) in POSTS.iter().enumerate() {
        let id = super::random_id("p_");
        let created_at = first + SPREAD_S * i as i64;
        tx.execute(
            "INSERT INTO posts (id, author_id, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, authors[*author], text, created_at],
        )?;
        // Every third post is liked by the authors after its own.
        if i % 3 == 0 {
            for liker in (1..=2).map(|step| &authors[(author + step) % authors.len()]) {
                tx.execute(
                    "INSERT INTO likes (post_id, user_id) VALUES (?1, ?2)",
                    params![id, liker],
                )?;
            }
        }
        posts.push((id, created_at));
    }
    for (post, author, text) in COMMENTS {
        let (post_id, created_at) = &posts[post];
        tx.execute(
            "INSERT INTO comments (id, post_id, author_id, text, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                super::random_id("c_"),
                post_id,
                authors[author],
                text,
                created_at + 600
            ],
        )?;
    }
    tracing::info!(posts = POSTS.len(), "dev mode: demo feed seeded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_once_and_only_into_an_empty_feed() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        demo(&conn, 1_700_000_000).unwrap();
        demo(&conn, 1_700_000_100).unwrap();
        let count = |table: &str| -> i64 {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
        };
        assert_eq!(count("posts"), 40);
        assert_eq!(count("comments"), 12);
        assert_eq!(count("users"), 5);
        assert_eq!(count("likes"), 28);
        let newest: i64 = conn
            .query_row("SELECT MAX(created_at) FROM posts", [], |row| row.get(0))
            .unwrap();
        assert!(newest < 1_700_000_000);
    }
}
