//! Rules the client core and the reference server both apply, written once so the two can
//! never disagree: what a valid mainland ID number is, and how one is shown.

pub mod id_number;
