//! The currencies the tool pays in. Validation reads them from sheets, the plan sends them,
//! the report sums amounts by them: defined here, below all three.

/// A currency the tool pays in, with its number of decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Currency {
    #[serde(rename = "INR")]
    Inr,
    #[serde(rename = "PLN")]
    Pln,
    #[serde(rename = "CZK")]
    Czk,
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    /// `value` in minor units (grosz, cents), exactly; `None` when it has more decimals than
    /// the currency or does not fit (checked: a huge value is `None`, never a panic or a wrap).
    pub fn to_minor(self, value: rust_decimal::Decimal) -> Option<i64> {
        use rust_decimal::Decimal;
        let scaled = value.checked_mul(Decimal::from(10i64.pow(self.decimals())))?;
        if scaled.fract() != Decimal::ZERO {
            return None;
        }
        i64::try_from(scaled.trunc()).ok()
    }

    pub fn code(self) -> &'static str {
        match self {
            Currency::Inr => "INR",
            Currency::Pln => "PLN",
            Currency::Czk => "CZK",
            Currency::Eur => "EUR",
        }
    }

    /// Decimals of the currency's minor unit (paisa, grosz, haléř, cent).
    pub fn decimals(self) -> u32 {
        2
    }

    pub fn from_code(code: &str) -> Option<Currency> {
        match code.trim().to_ascii_uppercase().as_str() {
            "INR" => Some(Currency::Inr),
            "PLN" => Some(Currency::Pln),
            "CZK" => Some(Currency::Czk),
            "EUR" => Some(Currency::Eur),
            _ => None,
        }
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
