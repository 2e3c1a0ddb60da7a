//! Physician certification in a terminal: photos from files (the terminal has no camera; a
//! file stands for the picker), uploads with a progress bar, the application, its status.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use medcircle_core::{
    CancelToken, CertificateKind, CertificationError, CertificationState, CertificationStatus,
    Client, ConsentPurpose, UploadProgress,
};
use serde_json::json;

use crate::commands::reauthenticate;
use crate::output::Output;

/// Upload progress on stderr.
pub(crate) struct ProgressBar;

impl UploadProgress for ProgressBar {
    fn progress(&self, sent_bytes: u64, total_bytes: u64) {
        const WIDTH: u64 = 30;
        let filled = (sent_bytes * WIDTH)
            .checked_div(total_bytes)
            .unwrap_or(WIDTH);
        eprint!(
            "\r[{}{}] {sent_bytes}/{total_bytes} bytes",
            "#".repeat(filled as usize),
            " ".repeat((WIDTH - filled) as usize)
        );
        if sent_bytes >= total_bytes {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

fn message(error: CertificationError) -> String {
    match error {
        CertificationError::ConsentRequired {
            purpose: ConsentPurpose::IdentityVerification,
        } => "ID number and certificates need their own consent: \
              `medcircle consent grant identity-verification`"
            .into(),
        other => other.to_string(),
    }
}

pub(crate) async fn submit(
    client: &Client,
    id_number: String,
    physician: &Path,
    practising: Option<&Path>,
    out: &Output,
) -> Result<(), String> {
    let certification = client.certification();
    let masked = certification
        .check_id_number(id_number.clone())
        .map_err(message)?;
    let mut photo_ids = Vec::new();
    for (kind, path) in [
        (CertificateKind::Physician, Some(physician)),
        (CertificateKind::Practising, practising),
    ] {
        let Some(path) = path else { continue };
        let image = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let photo = certification
            .upload_photo(kind, image, Arc::new(ProgressBar), CancelToken::new())
            .await
            .map_err(message)?;
        photo_ids.push(photo.photo_id);
    }
    let status = certification
        .submit(id_number, photo_ids)
        .await
        .map_err(message)?;
    out.emit(
        "certification",
        &format!("submitted for ID {masked}: {}", describe(&status)),
        status_json(&status),
    );
    Ok(())
}

pub(crate) async fn status(client: &Client, out: &Output) -> Result<(), String> {
    let status = client
        .certification()
        .refresh_status()
        .await
        .map_err(message)?;
    out.emit("certification", &describe(&status), status_json(&status));
    Ok(())
}

/// The full ID number, after confirming it is the user (SMS code again) if the server asks.
pub(crate) async fn reveal(client: &Client, out: &Output) -> Result<(), String> {
    let certification = client.certification();
    let id_number = match certification.reveal_id_number().await {
        Err(CertificationError::ReauthRequired) => {
            reauthenticate(client).await?;
            certification.reveal_id_number().await.map_err(message)?
        }
        other => other.map_err(message)?,
    };
    out.emit(
        "id_number",
        &id_number,
        json!({ "ok": true, "id_number": id_number }),
    );
    Ok(())
}

fn describe(status: &CertificationStatus) -> String {
    let state = match &status.state {
        CertificationState::NotSubmitted => "not submitted".to_string(),
        CertificationState::Pending => "pending review".to_string(),
        CertificationState::Approved => "approved".to_string(),
        CertificationState::Rejected { reason } => format!("rejected: {reason}"),
    };
    match &status.id_number_masked {
        Some(masked) => format!("{state} (ID {masked}, {} photos)", status.photo_count),
        None => state,
    }
}

fn status_json(status: &CertificationStatus) -> serde_json::Value {
    let (state, reason) = match &status.state {
        CertificationState::NotSubmitted => ("none", None),
        CertificationState::Pending => ("pending", None),
        CertificationState::Approved => ("approved", None),
        CertificationState::Rejected { reason } => ("rejected", Some(reason)),
    };
    json!({ "ok": true, "status": state, "reason": reason,
            "id_number_masked": status.id_number_masked, "photo_count": status.photo_count,
            "submitted_at": status.submitted_at, "decided_at": status.decided_at })
}
