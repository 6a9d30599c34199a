//! Shipping addresses: the fields, in the order the form asks for them, and
//! their rules.

use serde::{Deserialize, Serialize};

use super::extra::Extra;

pub const FIELD_MAX: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Address {
    pub full_name: String,
    pub street: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub street2: String,
    pub city: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    pub postal_code: String,
    pub country: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Address);

/// The form's fields in order: label and whether it must be filled.
pub const FIELDS: [(&str, bool); 8] = [
    ("Full name", true),
    ("Street", true),
    ("Street line 2", false),
    ("City", true),
    ("Region", false),
    ("Postal code", true),
    ("Country", true),
    ("Phone", false),
];

/// What is wrong with an address: the field (an index into `FIELDS`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressError {
    pub field: usize,
    pub message: String,
}

impl std::fmt::Display for AddressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Address {
    /// Builds an address from the form's eight values (trimmed), checked.
    pub fn from_fields(values: [&str; 8]) -> Result<Address, AddressError> {
        let [full_name, street, street2, city, region, postal_code, country, phone] =
            values.map(|v| v.trim().to_string());
        let address =
            Address { full_name, street, street2, city, region, postal_code, country, phone, extra: Extra::default() };
        address.check()?;
        Ok(address)
    }

    pub fn fields(&self) -> [&str; 8] {
        [
            &self.full_name,
            &self.street,
            &self.street2,
            &self.city,
            &self.region,
            &self.postal_code,
            &self.country,
            &self.phone,
        ]
    }

    pub fn check(&self) -> Result<(), AddressError> {
        for (field, (value, (label, required))) in self.fields().into_iter().zip(FIELDS).enumerate() {
            let refuse = |message: String| Err(AddressError { field, message });
            if required && value.trim().is_empty() {
                return refuse(format!("{label} is required"));
            }
            if value.chars().count() > FIELD_MAX {
                return refuse(format!("{label} must be at most {FIELD_MAX} characters"));
            }
            if value.chars().any(char::is_control) {
                return refuse(format!("{label} cannot contain control characters"));
            }
        }
        // Letters and digits, with spaces or hyphens between (`NW1 2AB`, `1234-567`).
        let postal = self.postal_code.trim();
        if !postal.chars().any(char::is_alphanumeric)
            || !postal.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(AddressError {
                field: 5,
                message: "Postal code is letters and digits, with spaces or hyphens between".into(),
            });
        }
        if !self.phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(AddressError { field: 7, message: "Phone may hold digits, spaces and + - ( ) only".into() });
        }
        Ok(())
    }

    /// One line for lists: `Ada Lovelace, 12 Main St, NW1 2AB London, UK`.
    pub fn summary(&self) -> String {
        format!("{}, {}, {} {}, {}", self.full_name, self.street, self.postal_code, self.city, self.country)
    }

    /// The lines of a printed address.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.full_name.clone(), self.street.clone()];
        if !self.street2.is_empty() {
            lines.push(self.street2.clone());
        }
        let region = if self.region.is_empty() { String::new() } else { format!(", {}", self.region) };
        lines.push(format!("{} {}{region}", self.postal_code, self.city));
        lines.push(self.country.clone());
        if !self.phone.is_empty() {
            lines.push(self.phone.clone());
        }
        lines
    }

    /// The same place, whatever the letter case or spacing typed.
    pub fn same_place(&self, other: &Address) -> bool {
        let key = |a: &Address| a.fields().map(|f| f.trim().to_lowercase());
        key(self) == key(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADA: [&str; 8] = ["Ada Lovelace", "12 Main St", "", "London", "", "NW1 2AB", "UK", "+44 20 7946 0000"];

    #[test]
    fn required_fields_are_named() {
        assert!(Address::from_fields(ADA).is_ok());
        for (field, label) in [(0, "Full name"), (1, "Street"), (3, "City"), (5, "Postal code"), (6, "Country")] {
            let mut values = ADA;
            values[field] = "  ";
            let error = Address::from_fields(values).unwrap_err();
            assert_eq!((error.field, error.message), (field, format!("{label} is required")));
        }
        let mut values = ADA;
        values[7] = "call me";
        assert_eq!(Address::from_fields(values).unwrap_err().field, 7);
        let long = "x".repeat(101);
        let mut values = ADA;
        values[3] = &long;
        assert!(Address::from_fields(values).unwrap_err().message.contains("at most 100"));
    }

    #[test]
    fn a_postal_code_is_letters_digits_spaces_and_hyphens() {
        for fine in ["NW1 2AB", "10115", "K1A 0B1", "1234-567", "SE-123 45"] {
            let mut values = ADA;
            values[5] = fine;
            assert!(Address::from_fields(values).is_ok(), "{fine}");
        }
        for bad in ["!!!", "--", "12#45", "SW1A.1AA", " - "] {
            let mut values = ADA;
            values[5] = bad;
            let error = Address::from_fields(values).unwrap_err();
            assert_eq!(
                (error.field, error.message.as_str()),
                (5, "Postal code is letters and digits, with spaces or hyphens between"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_one_line_summary_names_the_country() {
        let address = Address::from_fields(ADA).unwrap();
        assert_eq!(address.summary(), "Ada Lovelace, 12 Main St, NW1 2AB London, UK");
    }

    #[test]
    fn prints_its_lines() {
        let address = Address::from_fields(ADA).unwrap();
        assert_eq!(address.lines(), ["Ada Lovelace", "12 Main St", "NW1 2AB London", "UK", "+44 20 7946 0000"]);
        assert!(address.same_place(&Address::from_fields(ADA.map(|f| f)).unwrap()));
    }
}
