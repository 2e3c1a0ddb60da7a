use medcircle_core::{Named, ProfileClient, ProfileError, UserProfile};

/// Completing the account: unit and department from the server's dictionaries.
#[derive(uniffi::Object)]
pub struct Profile {
    profile: ProfileClient,
}

impl Profile {
    pub(crate) fn new(profile: ProfileClient) -> Self {
        Self { profile }
    }
}

#[uniffi::export]
impl Profile {
    pub async fn search_units(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<Named>, ProfileError> {
        self.profile.search_units(query, limit).await
    }

    pub async fn departments(&self, unit_id: String) -> Result<Vec<Named>, ProfileError> {
        self.profile.departments(unit_id).await
    }

    /// The session listener then reports the completed profile.
    pub async fn complete_account(
        &self,
        unit_id: String,
        department_id: String,
    ) -> Result<UserProfile, ProfileError> {
        self.profile.complete_account(unit_id, department_id).await
    }

    pub fn needs_completion(&self) -> bool {
        self.profile.needs_completion()
    }
}
