//! A delivery address as both sides check it: a recipient's name, a mainland mobile number,
//! the region (province, city, district) and the street address, each one visible line of a
//! bounded length with no control, bidirectional or invisible formatting character (so what is
//! printed on a parcel reads as what was typed). And how a name and a number are shown masked.

use crate::{phone, text};

pub const MAX_NAME_CHARS: usize = 20;
pub const MAX_REGION_CHARS: usize = 20;
pub const MAX_STREET_CHARS: usize = 120;

/// The part of an address that is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressField {
    #[error("the recipient's name must be 1 to 20 visible characters")]
    RecipientName,
    #[error("the phone must be a mainland mobile number: 11 digits starting 13 to 19")]
    Phone,
    #[error("the province must be 1 to 20 visible characters")]
    Province,
    #[error("the city must be 1 to 20 visible characters")]
    City,
    #[error("the district must be 1 to 20 visible characters")]
    District,
    #[error("the street address must be 1 to 120 visible characters")]
    Street,
}

impl AddressField {
    /// The field's name in the API.
    pub fn key(self) -> &'static str {
        match self {
            AddressField::RecipientName => "recipient_name",
            AddressField::Phone => "phone",
            AddressField::Province => "province",
            AddressField::City => "city",
            AddressField::District => "district",
            AddressField::Street => "street",
        }
    }

    pub fn from_key(key: &str) -> Option<AddressField> {
        [
            AddressField::RecipientName,
            AddressField::Phone,
            AddressField::Province,
            AddressField::City,
            AddressField::District,
            AddressField::Street,
        ]
        .into_iter()
        .find(|field| field.key() == key)
    }
}

/// The parts of an address, as typed.
#[derive(Debug, Clone, Copy)]
pub struct AddressParts<'a> {
    pub recipient_name: &'a str,
    pub phone: &'a str,
    pub province: &'a str,
    pub city: &'a str,
    pub district: &'a str,
    pub street: &'a str,
}

/// The first part of `address` that is not acceptable, in the order a form shows them.
pub fn check(address: &AddressParts<'_>) -> Result<(), AddressField> {
    let fields = [
        (
            address.recipient_name,
            MAX_NAME_CHARS,
            AddressField::RecipientName,
        ),
        (address.province, MAX_REGION_CHARS, AddressField::Province),
        (address.city, MAX_REGION_CHARS, AddressField::City),
        (address.district, MAX_REGION_CHARS, AddressField::District),
        (address.street, MAX_STREET_CHARS, AddressField::Street),
    ];
    if !phone::is_mainland_mobile(address.phone) {
        return Err(AddressField::Phone);
    }
    for (value, max, field) in fields {
        if !line_fits(value, max) {
            return Err(field);
        }
    }
    Ok(())
}

/// One line of at most `max` characters, with nothing hidden in it and no blank at either end.
fn line_fits(value: &str, max: usize) -> bool {
    value.chars().count() <= max
        && value.trim() == value
        && text::is_visible_line(value)
        && !value.chars().any(text::is_invisible)
}

/// The first character and a star for each of the others: `张**`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(name: &'a str, phone: &'a str, street: &'a str) -> AddressParts<'a> {
        AddressParts {
            recipient_name: name,
            phone,
            province: "北京市",
            city: "北京市",
            district: "东城区",
            street,
        }
    }

    #[test]
    fn a_plain_address_passes() {
        assert_eq!(check(&parts("张三", "13800138000", "帅府园1号")), Ok(()));
    }

    #[test]
    fn each_bad_part_is_named() {
        assert_eq!(
            check(&parts("", "13800138000", "x")),
            Err(AddressField::RecipientName)
        );
        assert_eq!(
            check(&parts("张\u{200B}三", "13800138000", "x")),
            Err(AddressField::RecipientName)
        );
        assert_eq!(
            check(&parts("张三", "12800138000", "x")),
            Err(AddressField::Phone)
        );
        assert_eq!(
            check(&parts("张三", "1380013800", "x")),
            Err(AddressField::Phone)
        );
        assert_eq!(
            check(&parts("张三", "13800138000", "a\u{202E}b")),
            Err(AddressField::Street)
        );
        assert_eq!(
            check(&parts("张三", "13800138000", "a\nb")),
            Err(AddressField::Street)
        );
        let long = "路".repeat(MAX_STREET_CHARS + 1);
        assert_eq!(
            check(&parts("张三", "13800138000", &long)),
            Err(AddressField::Street)
        );
        for field in [AddressField::Phone, AddressField::Street] {
            assert_eq!(AddressField::from_key(field.key()), Some(field));
        }
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张"), "张*");
    }
}
