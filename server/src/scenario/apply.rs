//! Writing a scenario: every entry checked as the API would check it, in one transaction.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde::Serialize;

use super::{Certification, Scenario, ScenarioError};
use crate::certification::image::{Dimensions, ImageType};
use crate::certification::{self, Kind};
use crate::error::ApiError;
use crate::feed::{comments, posts, reactions, seed};
use crate::keyed::Keyed;
use crate::phone::Phone;
use crate::policy::{self, Policies};
use crate::{dictionaries, pool, reset, users};
use medcircle_rules::id_number::IdNumber;
use utoipa::ToSchema;

/// The ID number a certification gets when the scenario names none (the standard's example).
const TEST_ID_NUMBER: &str = "11010519491231002X";
const DEFAULT_REASON: &str = "The certificate photo cannot be read.";
/// The certificate photo a scenario's certification carries: a real 2×2 PNG.
const CERTIFICATE_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x1f, 0xee, 0x03, 0xfd, 0x8b, 0x5f, 0x14, 0xd4, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
/// Posts without `hours_ago` are this far apart, the last one this long before now.
const STEP_S: i64 = 600;

/// What a scenario made, for whoever drives the QA case (the dev reset answers it).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ScenarioLoaded)]
pub struct Loaded {
    pub accounts: Vec<LoadedAccount>,
    pub posts: Vec<LoadedPost>,
    /// The policy version in force afterwards.
    pub policy_version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoadedAccount {
    pub phone: String,
    pub user_id: String,
    pub nickname: String,
    pub certification: Certification,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoadedPost {
    pub id: String,
    /// The author's phone.
    pub author: String,
}

/// Writes `scenario` at `now` in one transaction, after emptying the database if `replace`
/// (see `reset`), then publishes its policy versions (after the built-in one, if `replace`).
/// On any error nothing is written and no version published.
pub fn apply(
    conn: &mut Connection,
    keyed: &Keyed,
    policies: &Policies,
    scenario: &Scenario,
    now: i64,
    replace: bool,
) -> Result<Loaded, ScenarioError> {
    check_policies(scenario, |version| {
        if replace {
            version == policy::VERSION
        } else {
            policies.served(version)
        }
    })?;
    let tx = pool::immediate(conn)?;
    if replace {
        reset::empty(&tx)?;
    }
    // The demo feed first: it seeds only a feed without posts.
    if scenario.demo_feed {
        seed::demo(&tx, now)?;
        crate::mall::catalogue::seed(&tx).map_err(|error| invalid("mall", &error))?;
    }
    let (accounts, phones) = write_accounts(&tx, keyed, scenario, now)?;
    let posts = write_posts(&tx, scenario, &phones, now)?;
    tx.commit()?;
    if replace {
        policies.reset();
    }
    for draft in &scenario.policies {
        policies
            .publish(draft.clone())
            .map_err(|error| invalid("policies", &error))?;
    }
    Ok(Loaded {
        accounts,
        posts,
        policy_version: policies.current().version.clone(),
    })
}

fn invalid(at: &str, why: &dyn std::fmt::Display) -> ScenarioError {
    ScenarioError::Invalid(format!("{at}: {why}"))
}

/// Policy versions are published after the transaction: each is checked first, against
/// the others and the versions `taken` already.
fn check_policies(scenario: &Scenario, taken: impl Fn(&str) -> bool) -> Result<(), ScenarioError> {
    let mut versions = HashSet::new();
    for (i, draft) in scenario.policies.iter().enumerate() {
        let at = format!("policies[{i}]");
        draft.validate().map_err(|error| invalid(&at, &error))?;
        if !versions.insert(&draft.version) || taken(&draft.version) {
            return Err(invalid(&at, &ApiError::VersionExists));
        }
    }
    Ok(())
}

/// The accounts, and each one's user id by phone.
fn write_accounts(
    conn: &Connection,
    keyed: &Keyed,
    scenario: &Scenario,
    now: i64,
) -> Result<(Vec<LoadedAccount>, HashMap<String, String>), ScenarioError> {
    let mut loaded = Vec::with_capacity(scenario.accounts.len());
    let mut phones = HashMap::new();
    for (i, account) in scenario.accounts.iter().enumerate() {
        let at = |field: &str| format!("accounts[{i}].{field}");
        let phone = Phone::parse(&account.phone).map_err(|error| invalid(&at("phone"), &error))?;
        if phones.contains_key(phone.as_str()) {
            return Err(invalid(&at("phone"), &"the phone is listed twice"));
        }
        let user = users::find_or_create(conn, keyed, &phone, now)?;
        if let Some(nickname) = &account.nickname {
            if !users::is_valid_nickname(nickname) {
                return Err(invalid(
                    &at("nickname"),
                    &format!(
                        "1 to {} visible characters, no control or bidirectional character",
                        users::MAX_NICKNAME_CHARS
                    ),
                ));
            }
            users::bind_profile(conn, &user.id, Some(nickname), None)?;
        }
        match (&account.unit, &account.department) {
            (Some(unit), Some(department)) => {
                if dictionaries::unit_of_department(conn, department)?.as_ref() != Some(unit) {
                    return Err(invalid(
                        &at("department"),
                        &format!(
                            "not a department of unit {unit:?} (see GET /v1/dictionaries/units)"
                        ),
                    ));
                }
                users::set_profile(conn, &user.id, unit, department)?;
            }
            (None, None) => {}
            _ => return Err(invalid(&at("unit"), &"unit and department go together")),
        }
        certify(conn, &user.id, account, now).map_err(|error| match error {
            ScenarioError::Invalid(why) => invalid(&at("certification"), &why),
            other => other,
        })?;
        let user = users::get(conn, &user.id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        phones.insert(phone.as_str().to_owned(), user.id.clone());
        loaded.push(LoadedAccount {
            phone: phone.as_str().to_owned(),
            user_id: user.id,
            nickname: user.nickname,
            certification: account.certification,
        });
    }
    Ok((loaded, phones))
}

/// Submits a certification with a certificate photo, and decides it, as the state asks.
fn certify(
    conn: &Connection,
    user_id: &str,
    account: &super::Account,
    now: i64,
) -> Result<(), ScenarioError> {
    let approve = match account.certification {
        Certification::None => return Ok(()),
        Certification::Pending => None,
        Certification::Approved => Some(true),
        Certification::Rejected => Some(false),
    };
    let id_number = IdNumber::parse(account.id_number.as_deref().unwrap_or(TEST_ID_NUMBER))
        .map_err(|error| ScenarioError::Invalid(format!("id_number: {error}")))?;
    let size = Dimensions {
        width: 2,
        height: 2,
    };
    let photo = certification::store_photo(
        conn,
        user_id,
        Kind::Physician,
        ImageType::Png,
        CERTIFICATE_PNG,
        size,
        now,
    )?;
    certification::submit(conn, user_id, &id_number, &[photo.photo_id], None, now)?;
    if let Some(approve) = approve {
        let reason = (!approve).then(|| account.reason.as_deref().unwrap_or(DEFAULT_REASON));
        certification::decide(conn, user_id, approve, reason, now)?;
    }
    Ok(())
}

fn write_posts(
    conn: &Connection,
    scenario: &Scenario,
    phones: &HashMap<String, String>,
    now: i64,
) -> Result<Vec<LoadedPost>, ScenarioError> {
    let user_of = |at: String, phone: &str| {
        phones.get(phone).ok_or_else(|| {
            invalid(
                &at,
                &format!("{phone:?} is not one of the scenario's accounts"),
            )
        })
    };
    let count = scenario.posts.len() as i64;
    let mut loaded = Vec::with_capacity(scenario.posts.len());
    for ((i, post), position) in scenario.posts.iter().enumerate().zip(0..) {
        let at = |field: &str| format!("posts[{i}].{field}");
        let author = user_of(at("author"), &post.author)?;
        let created_at = match post.hours_ago {
            Some(hours) => now - i64::from(hours) * 3_600,
            None => now - STEP_S * (count - position),
        };
        let draft = posts::Draft {
            text: &post.text,
            photo_ids: &[],
            public_share: post.public_share,
        };
        let id = posts::create(conn, author, &draft, created_at)
            .map_err(|error| api_error(at("text"), error))?;
        for (j, liker) in post.likes.iter().enumerate() {
            let liker = user_of(at(&format!("likes[{j}]")), liker)?;
            reactions::like(conn, liker, &id, true)
                .map_err(|error| api_error(at("likes"), error))?;
        }
        for ((j, comment), minutes) in post.comments.iter().enumerate().zip(1..) {
            let at = at(&format!("comments[{j}]"));
            let author = user_of(format!("{at}.author"), &comment.author)?;
            let commented_at = (created_at + 60 * minutes).min(now);
            comments::add(conn, author, &id, &comment.text, commented_at)
                .map_err(|error| api_error(format!("{at}.text"), error))?;
        }
        loaded.push(LoadedPost {
            id,
            author: post.author.clone(),
        });
    }
    Ok(loaded)
}

/// A rule the API would have refused the entry for (a database failure was logged already).
fn api_error(at: String, error: ApiError) -> ScenarioError {
    invalid(&at, &error)
}
