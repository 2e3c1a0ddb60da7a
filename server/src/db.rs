//! The SQLite database: opening, schema migrations and the per-server secret.

use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use std::sync::Arc;

use crate::keys::Keys;
use crate::pool::Pool;
use crate::sealed;

/// Schema steps; `PRAGMA user_version` records how many have been applied. Append only.
const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE server_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL
    );
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        phone_key BLOB NOT NULL UNIQUE,
        phone_masked TEXT NOT NULL,
        nickname TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        family TEXT NOT NULL,
        access_hash BLOB NOT NULL UNIQUE,
        refresh_hash BLOB NOT NULL UNIQUE,
        access_expires_at INTEGER NOT NULL,
        refresh_expires_at INTEGER NOT NULL,
        rotated INTEGER NOT NULL DEFAULT 0,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_family ON sessions(family);
    CREATE TABLE sms_codes (
        phone_key BLOB PRIMARY KEY,
        code_mac BLOB NOT NULL,
        expires_at INTEGER NOT NULL,
        wrong_attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sms_sends (
        id INTEGER PRIMARY KEY,
        phone_key BLOB NOT NULL,
        device_key BLOB NOT NULL,
        sent_at INTEGER NOT NULL
    );
    CREATE INDEX sms_sends_by_phone ON sms_sends(phone_key, sent_at);
    CREATE INDEX sms_sends_by_device ON sms_sends(device_key, sent_at);
",
    r"
    ALTER TABLE sessions ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX sessions_by_user ON sessions(user_id);
    CREATE TABLE consents (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        purpose TEXT NOT NULL,
        granted INTEGER NOT NULL,
        policy_version TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        UNIQUE (user_id, purpose, granted, policy_version, decided_at)
    );
    CREATE TABLE deletion_requests (
        user_id TEXT NOT NULL REFERENCES users(id),
        request_id TEXT NOT NULL,
        purpose TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, request_id)
    );
    CREATE TABLE interests (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        label TEXT NOT NULL
    );
    CREATE INDEX interests_by_user ON interests(user_id);
    -- Pseudonymous on purpose: no user column, so events cannot be joined to an account.
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        pseudonym TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX events_by_pseudonym ON events(pseudonym);
",
    r"
    -- The carrier's own signing key for one-tap tokens: not the server secret.
    CREATE TABLE carrier_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL
    );
    -- Nonces of redeemed one-tap tokens, each until its token expires.
    CREATE TABLE carrier_nonces (
        nonce TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX carrier_nonces_by_expiry ON carrier_nonces(expires_at);
    CREATE TABLE risk_devices (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        model TEXT NOT NULL,
        os TEXT NOT NULL,
        os_version TEXT NOT NULL,
        app_version TEXT NOT NULL,
        network_type TEXT NOT NULL,
        carrier TEXT,
        install_id TEXT NOT NULL,
        received_at INTEGER NOT NULL
    );
    CREATE INDEX risk_devices_by_user ON risk_devices(user_id);
",
    r"
    -- When the session's login (or latest step-up) proved who its holder is; 0 for sessions
    -- from before step-up existed, which must re-authenticate before a sensitive action.
    ALTER TABLE sessions ADD COLUMN auth_time INTEGER NOT NULL DEFAULT 0;
    -- Browsers asking to be logged in by a phone that scans their QR code.
    CREATE TABLE web_logins (
        id TEXT PRIMARY KEY,
        poll_hash BLOB NOT NULL,
        browser TEXT NOT NULL,
        ip TEXT NOT NULL,
        place TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        user_id TEXT REFERENCES users(id)
    );
    CREATE INDEX web_logins_by_expiry ON web_logins(expires_at);
    CREATE INDEX web_logins_by_user ON web_logins(user_id);
",
    r"
    -- Dictionaries the account is completed from: units (hospitals and other institutions) and
    -- their departments. Fixed rows; a department belongs to exactly one unit.
    CREATE TABLE units (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE TABLE departments (
        id TEXT PRIMARY KEY,
        unit_id TEXT NOT NULL REFERENCES units(id),
        name TEXT NOT NULL
    );
    CREATE INDEX departments_by_unit ON departments(unit_id);
    ALTER TABLE users ADD COLUMN unit_id TEXT REFERENCES units(id);
    ALTER TABLE users ADD COLUMN department_id TEXT REFERENCES departments(id);
    INSERT INTO units (id, name) VALUES
        ('un_1', '北京协和医院 Peking Union Medical College Hospital'),
        ('un_2', '上海交通大学医学院附属瑞金医院 Ruijin Hospital'),
        ('un_3', '四川大学华西医院 West China Hospital'),
        ('un_4', '复旦大学附属中山医院 Zhongshan Hospital'),
        ('un_5', '中山大学附属第一医院 First Affiliated Hospital of Sun Yat-sen University'),
        ('un_6', '浙江大学医学院附属第一医院 First Affiliated Hospital, Zhejiang University'),
        ('un_7', '武汉协和医院 Wuhan Union Hospital'),
        ('un_8', '北京大学第一医院 Peking University First Hospital'),
        ('un_9', '解放军总医院 Chinese PLA General Hospital'),
        ('un_10', '首都医科大学附属北京天坛医院 Beijing Tiantan Hospital'),
        ('un_11', '中南大学湘雅医院 Xiangya Hospital, Central South University'),
        ('un_12', '社区卫生服务中心 Community Health Center (other)');
    INSERT INTO departments (id, unit_id, name) VALUES
        ('dp_1', 'un_1', '心内科 Cardiology'),
        ('dp_2', 'un_1', '肿瘤科 Oncology'),
        ('dp_3', 'un_1', '神经内科 Neurology'),
        ('dp_4', 'un_1', '儿科 Pediatrics'),
        ('dp_5', 'un_1', '急诊科 Emergency'),
        ('dp_6', 'un_1', '内分泌科 Endocrinology'),
        ('dp_7', 'un_2', '心内科 Cardiology'),
        ('dp_8', 'un_2', '内分泌科 Endocrinology'),
        ('dp_9', 'un_2', '血液科 Hematology'),
        ('dp_10', 'un_2', '急诊科 Emergency'),
        ('dp_11', 'un_2', '普外科 General Surgery'),
        ('dp_12', 'un_3', '心内科 Cardiology'),
        ('dp_13', 'un_3', '肿瘤科 Oncology'),
        ('dp_14', 'un_3', '神经内科 Neurology'),
        ('dp_15', 'un_3', '呼吸内科 Respiratory Medicine'),
        ('dp_16', 'un_3', '急诊科 Emergency'),
        ('dp_17', 'un_3', '全科 General Practice'),
        ('dp_18', 'un_3', '骨科 Orthopedics'),
        ('dp_19', 'un_3', '麻醉科 Anesthesiology'),
        ('dp_20', 'un_4', '心内科 Cardiology'),
        ('dp_21', 'un_4', '肝外科 Liver Surgery'),
        ('dp_22', 'un_4', '消化内科 Gastroenterology'),
        ('dp_23', 'un_4', '急诊科 Emergency'),
        ('dp_24', 'un_5', '心内科 Cardiology'),
        ('dp_25', 'un_5', '肿瘤科 Oncology'),
        ('dp_26', 'un_5', '神经内科 Neurology'),
        ('dp_27', 'un_5', '儿科 Pediatrics'),
        ('dp_28', 'un_5', '肾内科 Nephrology'),
        ('dp_29', 'un_6', '感染科 Infectious Diseases'),
        ('dp_30', 'un_6', '心内科 Cardiology'),
        ('dp_31', 'un_6', '肿瘤科 Oncology'),
        ('dp_32', 'un_6', '急诊科 Emergency'),
        ('dp_33', 'un_6', '全科 General Practice'),
        ('dp_34', 'un_7', '心内科 Cardiology'),
        ('dp_35', 'un_7', '肿瘤科 Oncology'),
        ('dp_36', 'un_7', '儿科 Pediatrics'),
        ('dp_37', 'un_7', '急诊科 Emergency'),
        ('dp_38', 'un_7', '神经内科 Neurology'),
        ('dp_39', 'un_7', '皮肤科 Dermatology'),
        ('dp_40', 'un_8', '肾内科 Nephrology'),
        ('dp_41', 'un_8', '儿科 Pediatrics'),
        ('dp_42', 'un_8', '皮肤科 Dermatology'),
        ('dp_43', 'un_8', '泌尿外科 Urology'),
        ('dp_44', 'un_8', '神经内科 Neurology'),
        ('dp_45', 'un_9', '心内科 Cardiology'),
        ('dp_46', 'un_9', '肿瘤科 Oncology'),
        ('dp_47', 'un_9', '神经外科 Neurosurgery'),
        ('dp_48', 'un_9', '急诊科 Emergency'),
        ('dp_49', 'un_9', '骨科 Orthopedics'),
        ('dp_50', 'un_9', '老年医学科 Geriatrics'),
        ('dp_51', 'un_10', '神经内科 Neurology'),
        ('dp_52', 'un_10', '神经外科 Neurosurgery'),
        ('dp_53', 'un_10', '急诊科 Emergency'),
        ('dp_54', 'un_10', '放射科 Radiology'),
        ('dp_55', 'un_11', '心内科 Cardiology'),
        ('dp_56', 'un_11', '肿瘤科 Oncology'),
        ('dp_57', 'un_11', '皮肤科 Dermatology'),
        ('dp_58', 'un_11', '急诊科 Emergency'),
        ('dp_59', 'un_11', '全科 General Practice'),
        ('dp_60', 'un_12', '全科 General Practice'),
        ('dp_61', 'un_12', '预防保健科 Preventive Care'),
        ('dp_62', 'un_12', '中医科 Traditional Chinese Medicine'),
        ('dp_63', 'un_12', '康复科 Rehabilitation');
",
    r"
    -- The feed. `seq` orders rows created in the same second, so (time, seq) keys a page.
    -- A post's photos, comments, likes and collections go with it (ON DELETE CASCADE).
    CREATE TABLE posts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        author_id TEXT NOT NULL REFERENCES users(id),
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        share_code TEXT UNIQUE
    );
    CREATE INDEX posts_by_time ON posts(created_at, seq);
    CREATE INDEX posts_by_author ON posts(author_id);
    -- Uploaded photos belong to their uploader and to no post until one uses them.
    CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id),
        post_id TEXT REFERENCES posts(id) ON DELETE CASCADE,
        position INTEGER,
        content_type TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX photos_by_post ON photos(post_id, position);
    CREATE INDEX photos_by_owner ON photos(owner_id);
    CREATE TABLE comments (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        author_id TEXT NOT NULL REFERENCES users(id),
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX comments_by_post ON comments(post_id, created_at, seq);
    CREATE INDEX comments_by_author ON comments(author_id);
    CREATE TABLE likes (
        post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (post_id, user_id)
    );
    CREATE INDEX likes_by_user ON likes(user_id);
    CREATE TABLE collections (
        seq INTEGER PRIMARY KEY,
        post_id TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id),
        collected_at INTEGER NOT NULL,
        UNIQUE (user_id, post_id)
    );
    CREATE INDEX collections_by_post ON collections(post_id);
    -- The first successful answer to each (user, Idempotency-Key), kept 24 h for replays.
    CREATE TABLE idempotency_keys (
        user_id TEXT NOT NULL REFERENCES users(id),
        key TEXT NOT NULL,
        fingerprint BLOB NOT NULL,
        status INTEGER NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, key)
    );
    CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
",
    r"
    -- Third-party login: a picture URL, set only when the user binds a provider's profile.
    ALTER TABLE users ADD COLUMN avatar_url TEXT;
    CREATE TABLE oauth_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id),
        bound_at INTEGER,
        PRIMARY KEY (issuer, subject)
    );
    CREATE INDEX oauth_identities_by_user ON oauth_identities(user_id);
    -- ID tokens already used to log in, each until it would be refused as expired anyway.
    CREATE TABLE used_id_tokens (
        issuer TEXT NOT NULL,
        token_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, token_id)
    );
    CREATE INDEX used_id_tokens_by_expiry ON used_id_tokens(expires_at);
    -- The dev OpenID provider's P-256 signing key, PKCS#8: the provider's, not the server's.
    CREATE TABLE oidc_signing_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL
    );
    -- Physician certification: photos first, then one submission per user.
    CREATE TABLE certification_photos (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL CHECK (kind IN ('physician', 'practising')),
        content_type TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        uploaded_at INTEGER NOT NULL
    );
    CREATE INDEX certification_photos_by_user ON certification_photos(user_id);
    CREATE TABLE certifications (
        user_id TEXT PRIMARY KEY REFERENCES users(id),
        id_number TEXT NOT NULL,
        id_number_masked TEXT NOT NULL,
        photo_ids TEXT NOT NULL,
        latitude REAL,
        longitude REAL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        submitted_at INTEGER NOT NULL,
        decided_at INTEGER
    );
",
    r"
    -- Whether anyone with a share link may read the post on the open web (else a teaser).
    ALTER TABLE posts ADD COLUMN public_share INTEGER NOT NULL DEFAULT 0;
    -- Server search: a trigram index over post texts (substrings, Chinese as English, any
    -- case), kept in step with `posts` by triggers.
    CREATE VIRTUAL TABLE posts_fts USING fts5(
        text, content = 'posts', content_rowid = 'seq', tokenize = 'trigram'
    );
    INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
    -- At rest, sensitive values are sealed (see `sealed`): the phone (its mask is worked out
    -- from it), the ID number and its mask, the position, certificate photos. The lookup key
    -- moved out of the database, with the data keys (see `keys`).
    ALTER TABLE users ADD COLUMN phone_sealed BLOB;
    ALTER TABLE users DROP COLUMN phone_masked;
    ALTER TABLE certifications ADD COLUMN location BLOB;
    -- When the server received an event (`at` is the client's): the retention sweep counts
    -- from it. Events from before it have no such time and go at the first sweep.
    ALTER TABLE events ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
    -- SMS limits per requester (an HMAC of its network address), and wrong guesses at a code
    -- per requester, so nobody uses up the budget or the guesses of a phone's owner.
    ALTER TABLE sms_sends ADD COLUMN requester_key BLOB NOT NULL DEFAULT x'';
    CREATE INDEX sms_sends_by_requester ON sms_sends(requester_key, sent_at);
    CREATE INDEX sms_sends_by_time ON sms_sends(sent_at);
    CREATE TABLE sms_code_guesses (
        phone_key BLOB NOT NULL,
        requester_key BLOB NOT NULL,
        wrong INTEGER NOT NULL,
        PRIMARY KEY (phone_key, requester_key)
    );
    CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_fts (rowid, text) VALUES (new.seq, new.text);
    END;
    CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    END;
    CREATE TRIGGER posts_fts_update AFTER UPDATE OF text ON posts BEGIN
        INSERT INTO posts_fts (posts_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        INSERT INTO posts_fts (rowid, text) VALUES (new.seq, new.text);
    END;
",
    r"
    -- A confirmed web login hands its browser a session once: set when it has.
    ALTER TABLE web_logins ADD COLUMN session_sent INTEGER NOT NULL DEFAULT 0;
",
    r"
    -- The answer to a refresh can be lost: the rotated row keeps its replacement pair, sealed,
    -- until the pair is first used or the grace ends (sessions::REFRESH_GRACE_S). Rows from
    -- before count as used.
    ALTER TABLE sessions ADD COLUMN rotated_at INTEGER;
    ALTER TABLE sessions ADD COLUMN replacement_sealed BLOB;
    ALTER TABLE sessions ADD COLUMN parent_id INTEGER;
    ALTER TABLE sessions ADD COLUMN used INTEGER NOT NULL DEFAULT 1;
",
    r"
    -- The security center. How each login began, as its holder sees it in the sessions list:
    -- the login method, the app installation (to tell a new device), and the coarse place the
    -- address alone tells (loopback, a local network), updated at each refresh. Sessions from
    -- before have none and are not listed.
    CREATE TABLE logins (
        family TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        method TEXT NOT NULL,
        install_id TEXT,
        place TEXT NOT NULL
    );
    CREATE INDEX logins_by_user ON logins(user_id);
    -- Who revoked a session other than by its own logout: its holder from another session
    -- ('other_device') or the operator ('operator'); the refused refresh says so.
    ALTER TABLE sessions ADD COLUMN revoked_by TEXT;
    -- A device report belongs to the login that sent it: the sessions list shows its model.
    ALTER TABLE risk_devices ADD COLUMN family TEXT;
    -- Security notices: to one account, or to everyone (user_id NULL).
    CREATE TABLE notices (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT REFERENCES users(id),
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX notices_by_user ON notices(user_id, created_at);
    -- The lowest app version the server still serves ('' or absent: any).
    CREATE TABLE app_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
",
    r"
    -- The wheat-grain mall. Goods, redeemed for points; the supplier ships them.
    CREATE TABLE mall_items (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        pictures TEXT NOT NULL,
        price INTEGER NOT NULL CHECK (price > 0),
        stock INTEGER NOT NULL CHECK (stock >= 0),
        per_user_limit INTEGER NOT NULL CHECK (per_user_limit > 0),
        supplier TEXT NOT NULL
    );
    -- Every change of a balance: the balance is their sum. (reason, ref) makes each rule's
    -- award (and each redemption's debit and refund) happen once; day counts the daily caps.
    CREATE TABLE points_ledger (
        seq INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        amount INTEGER NOT NULL,
        reason TEXT NOT NULL,
        ref TEXT NOT NULL,
        day INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (user_id, reason, ref)
    );
    CREATE INDEX points_by_day ON points_ledger(user_id, reason, day);
    -- The address book: the address sealed whole (name, phone, region, street).
    CREATE TABLE addresses (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        sealed BLOB NOT NULL,
        is_default INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX addresses_by_user ON addresses(user_id);
    -- A redemption keeps the address it ships to (sealed), whatever becomes of the book.
    CREATE TABLE redemptions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        item_id TEXT NOT NULL REFERENCES mall_items(id),
        address_id TEXT NOT NULL,
        address_sealed BLOB NOT NULL,
        points INTEGER NOT NULL,
        status TEXT NOT NULL,
        carrier TEXT,
        tracking_number TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX redemptions_by_user ON redemptions(user_id, item_id);
    -- Who received which address, when: written when an item ships.
    CREATE TABLE address_disclosures (
        seq INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        redemption_id TEXT NOT NULL,
        address_id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        recipient_name TEXT NOT NULL,
        disclosed_at INTEGER NOT NULL
    );
",
    r"
    -- The help center. Articles, seeded here in Chinese and English (kept by a dev reset like
    -- the dictionaries); search is a substring match (see help::articles).
    CREATE TABLE help_articles (
        id TEXT PRIMARY KEY,
        topic TEXT NOT NULL,
        language TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    INSERT INTO help_articles (id, topic, language, title, body, updated_at) VALUES
        ('ha_login_zh', 'account', 'zh', '收不到短信验证码怎么办',
         '请确认手机号为中国大陆手机号且信号良好。验证码 5 分钟内有效，同一手机号每天发送次数有限。也可以使用本机号码一键登录。', 1764547200),
        ('ha_login_en', 'account', 'en', 'I do not receive the SMS code',
         'Check that the number is a mainland China mobile number and that the phone has signal. A code is valid for 5 minutes and each phone gets a limited number of codes a day. You can also log in with one tap using this phone''s number.', 1764547200),
        ('ha_certify_zh', 'certification', 'zh', '如何完成医师认证',
         '在“我的-认证”中拍摄执业证书并填写身份证号。审核结果会在认证页显示，身份证号在所有页面均以掩码显示。', 1764547200),
        ('ha_certify_en', 'certification', 'en', 'How physician certification works',
         'Photograph your practising certificate and enter your ID number under Me > Certification. The review''s result shows on that page; the ID number is shown masked everywhere.', 1764547200),
        ('ha_privacy_zh', 'privacy', 'zh', '如何导出或删除我的数据',
         '在“设置-隐私”中可以导出账号的全部数据，也可以注销账号。注销后，帖子、评论、反馈及其照片一并删除。', 1764547200),
        ('ha_privacy_en', 'privacy', 'en', 'Exporting or deleting your data',
         'Under Settings > Privacy you can export everything kept about your account, or delete the account. Deleting it deletes your posts, comments, feedback and its photos with it.', 1764547200),
        ('ha_feedback_zh', 'feedback', 'zh', '如何提交意见反馈',
         '在“帮助中心-意见反馈”中描述问题，可附最多 4 张照片和联系电话。只有在您同意时才会附上应用和系统版本。回复会显示在“我的反馈”中。', 1764547200),
        ('ha_feedback_en', 'feedback', 'en', 'Sending feedback with photos',
         'Describe the problem under Help center > Feedback, with up to 4 photos and a contact number if you like. The app and OS version go with it only when you agree. Replies appear under My feedback.', 1764547200);
    -- Feedback photos, the caller's until a feedback uses them (stripped of metadata).
    CREATE TABLE help_photos (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        content_type TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        ticket_id TEXT,
        position INTEGER,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX help_photos_by_ticket ON help_photos(ticket_id);
    -- Feedback as tickets: the contact number sealed (see `sealed`), its mask for lists; the
    -- app and OS version only when the user agreed to attach them.
    CREATE TABLE help_tickets (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id),
        text TEXT NOT NULL,
        contact BLOB,
        contact_masked TEXT,
        app_version TEXT,
        os_version TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX help_tickets_by_user ON help_tickets(user_id, seq);
    -- The team's replies, each with the user's read marker.
    CREATE TABLE help_replies (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        ticket_id TEXT NOT NULL REFERENCES help_tickets(id),
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read INTEGER NOT NULL DEFAULT 0
    );
",
    r"
    -- Purchases. Orders are kept after the account is deleted (accounting records); the
    -- state machine is payments::orders'. trade_no: the gateway's trade, once paid.
    CREATE TABLE pay_orders (
        seq INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        method TEXT NOT NULL,
        status TEXT NOT NULL,
        payer_account TEXT,
        trade_no TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        paid_at INTEGER,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX pay_orders_by_user ON pay_orders(user_id, created_at);
    CREATE INDEX pay_orders_open ON pay_orders(status, expires_at);
    -- What each paid order gives; a refund revokes its row.
    CREATE TABLE pay_entitlements (
        order_number TEXT PRIMARY KEY REFERENCES pay_orders(number),
        user_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        granted_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE INDEX pay_entitlements_by_user ON pay_entitlements(user_id);
    -- Refused gateway notifications: security events for the operator.
    CREATE TABLE pay_security_events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        method TEXT NOT NULL,
        reason TEXT NOT NULL,
        order_number TEXT
    );
",
    // A consent decision's own id, from the client: a grant, a withdrawal and a grant again in
    // one second are three decisions, and a repeated upload is known by the id. Records from
    // clients that send none are still told apart by their fields.
    r"
    CREATE TABLE consents_with_ids (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        purpose TEXT NOT NULL,
        granted INTEGER NOT NULL,
        policy_version TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        record_id TEXT
    );
    INSERT INTO consents_with_ids (id, user_id, purpose, granted, policy_version, decided_at)
        SELECT id, user_id, purpose, granted, policy_version, decided_at FROM consents;
    DROP TABLE consents;
    ALTER TABLE consents_with_ids RENAME TO consents;
    -- Not partial: it is also the index of every read and deletion by user (NULLs differ).
    CREATE UNIQUE INDEX consents_by_record ON consents(user_id, record_id);
    CREATE UNIQUE INDEX consents_by_fields
        ON consents(user_id, purpose, granted, policy_version, decided_at)
        WHERE record_id IS NULL;
",
];

/// Opens (creating if needed) and migrates the database at `path`.
pub fn open(path: &Path) -> io::Result<Connection> {
    let context =
        |error: rusqlite::Error| io::Error::other(format!("database {}: {error}", path.display()));
    let mut conn = Connection::open(path).map_err(context)?;
    configure(&conn).map_err(context)?;
    let applied: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(context)?;
    if applied as usize > MIGRATIONS.len() {
        return Err(io::Error::other(format!(
            "database {}: schema version {applied} is newer than this server's ({})",
            path.display(),
            MIGRATIONS.len()
        )));
    }
    migrate(&mut conn, applied).map_err(context)?;
    Ok(conn)
}

/// How many connections the server keeps open to read with (one more writes): enough for the
/// runtime's workers to each run a query while a writer writes.
const READERS: usize = 7;

/// The pool of connections to `path`: `first` (already opened, migrated and given the sealing
/// functions) writes, the others read and get the functions under `keys`.
pub fn pool(path: &Path, first: Connection, keys: &Arc<Keys>) -> io::Result<Pool> {
    let readers = (0..READERS)
        .map(|_| {
            Connection::open(path)
                .and_then(|conn| {
                    configure(&conn)?;
                    sealed::register(&conn, keys)?;
                    Ok(conn)
                })
                .map_err(|error| io::Error::other(format!("database {}: {error}", path.display())))
        })
        .collect::<io::Result<_>>()?;
    Ok(Pool::new(readers, first))
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    // In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a crash of the
    // server loses nothing, a power cut at most the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)
}

fn migrate(conn: &mut Connection, applied: u32) -> rusqlite::Result<()> {
    for (version, step) in (1u32..).zip(MIGRATIONS).skip(applied as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// The lookup key an older server generated and kept in the database, if it is still there:
/// phone keys were made with it, so it moves to the key file (see `keys`).
pub fn legacy_lookup_key(conn: &Connection) -> io::Result<Option<[u8; 32]>> {
    let secret: Option<Vec<u8>> = conn
        .query_row("SELECT secret FROM server_secret WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(|error| io::Error::other(format!("legacy lookup key: {error}")))?;
    secret
        .map(|secret| {
            secret
                .try_into()
                .map_err(|_| io::Error::other("legacy lookup key: not 32 bytes"))
        })
        .transpose()
}

/// Deletes the legacy lookup key, once the key file holds it.
pub fn forget_legacy_lookup_key(conn: &Connection) -> io::Result<()> {
    conn.execute("DELETE FROM server_secret", [])
        .map(drop)
        .map_err(|error| io::Error::other(format!("legacy lookup key: {error}")))
}

/// The key the carrier signs one-tap tokens with: the carrier's, not the server's, so it is a
/// secret of its own, generated at first start, then kept.
pub fn carrier_key(conn: &Connection) -> io::Result<Vec<u8>> {
    secret(conn, "carrier_key", "carrier key")
}

/// The dev OpenID provider's signing key (PKCS#8): the provider's own, like the carrier's,
/// made by `generate` at first start, then kept.
pub fn oidc_signing_key(
    conn: &Connection,
    generate: impl FnOnce() -> io::Result<Vec<u8>>,
) -> io::Result<Vec<u8>> {
    kept(conn, "oidc_signing_key", "OIDC signing key", generate)
}

/// The 32 random bytes kept in the one-row `table`, generated the first time.
fn secret(conn: &Connection, table: &str, what: &str) -> io::Result<Vec<u8>> {
    kept(
        conn,
        table,
        what,
        || Ok(rand::random::<[u8; 32]>().to_vec()),
    )
}

/// The bytes kept in the one-row `table`, made by `generate` the first time.
fn kept(
    conn: &Connection,
    table: &str,
    what: &str,
    generate: impl FnOnce() -> io::Result<Vec<u8>>,
) -> io::Result<Vec<u8>> {
    let context = |error: rusqlite::Error| io::Error::other(format!("{what}: {error}"));
    let existing = conn
        .query_row(
            &format!("SELECT secret FROM {table} WHERE id = 1"),
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(context)?;
    if let Some(secret) = existing {
        return Ok(secret);
    }
    let secret = generate()?;
    conn.execute(
        &format!("INSERT INTO {table} (id, secret) VALUES (1, ?1)"),
        [&secret],
    )
    .map_err(context)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_keeps_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let carrier = carrier_key(&open(&path).unwrap()).unwrap();
        let conn = open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        assert_eq!(carrier.len(), 32);
        assert_eq!(carrier_key(&conn).unwrap(), carrier);
        assert_eq!(
            legacy_lookup_key(&conn).unwrap(),
            None,
            "no lookup key in the database"
        );
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let synchronous: i64 = conn
            .pragma_query_value(None, "synchronous", |row| row.get(0))
            .unwrap();
        assert_eq!(synchronous, 1, "NORMAL");
    }

    #[test]
    fn upgrades_a_first_version_database_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO users VALUES ('u_1', x'01', '138****8000', 'Doctor 8000', 5);
                 INSERT INTO sessions (user_id, family, access_hash, refresh_hash,
                                       access_expires_at, refresh_expires_at)
                 VALUES ('u_1', 'f', x'02', x'03', 10, 20);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let session: (i64, i64) = conn
            .query_row(
                "SELECT created_at, last_used_at FROM sessions WHERE user_id = 'u_1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(session, (0, 0));
        let consents: i64 = conn
            .query_row("SELECT COUNT(*) FROM consents", [], |row| row.get(0))
            .unwrap();
        assert_eq!(consents, 0);
    }

    #[test]
    fn consents_kept_before_decisions_had_ids_survive_and_stay_unique_by_their_fields() {
        use crate::consents::{self, Record};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let before = MIGRATIONS.len() - 1;
        {
            let conn = Connection::open(&path).unwrap();
            for step in &MIGRATIONS[..before] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", before as u32)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO users (id, phone_key, nickname, created_at)
                 VALUES ('u_1', x'01', 'Doctor 8000', 5);
                 INSERT INTO consents (user_id, purpose, granted, policy_version, decided_at)
                 VALUES ('u_1', 'personalisation', 1, '2026-11-01', 1800000000);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let kept = Record {
            record_id: None,
            purpose: "personalisation".into(),
            granted: true,
            policy_version: "2026-11-01".into(),
            decided_at: 1_800_000_000,
        };
        assert_eq!(
            consents::history(&conn, "u_1").unwrap(),
            std::slice::from_ref(&kept)
        );
        assert_eq!(
            consents::append(&conn, "u_1", std::slice::from_ref(&kept)).unwrap(),
            0
        );
        let with_id = Record {
            record_id: Some("0f".repeat(16)),
            ..kept
        };
        assert_eq!(
            consents::append(&conn, "u_1", std::slice::from_ref(&with_id)).unwrap(),
            1
        );
        assert_eq!(consents::append(&conn, "u_1", &[with_id]).unwrap(), 0);
        assert_eq!(consents::history(&conn, "u_1").unwrap().len(), 2);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        drop(open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let error = open(&path).unwrap_err();
        assert!(error.to_string().contains("newer"), "{error}");
    }
}
