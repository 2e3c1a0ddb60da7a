//! What the privacy policy declares, as data the rest of the core reads: the purposes the user
//! consents to, the gate holding what is allowed now, the data inventory (every personal data
//! item, why, where it goes) and the device permissions with the features they serve.

mod features;
mod gate;
pub(crate) mod inventory;
mod purpose;

pub use features::{Feature, Permission, Rationale};
pub(crate) use gate::ConsentGate;
pub(crate) use inventory::inventory;
pub use purpose::ConsentPurpose;
