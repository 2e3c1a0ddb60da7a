//! Rules the client core and the reference server both apply, written once so the two can
//! never disagree: what a valid mainland ID number is and how one is shown, what a photo is
//! and what of it may travel, what text a person can see, and what a mobile number and a
//! delivery address are.

pub mod address;
pub mod id_number;
pub mod image;
pub mod phone;
pub mod text;
