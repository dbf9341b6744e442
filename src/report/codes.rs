//! What an error code in a results file means, in a few words: PayU's published codes (PayU
//! India payouts, Smart Send, PayU Europe; payu.md §4.3, §13, §16.7) and the tool's own
//! (architecture.md §4.2, docs/rules.md). The Summary sheet of a results workbook names the most
//! frequent codes of a run with these words beside them.

/// The tool's own codes.
const OWN: [(&str, &str); 20] = [
    (
        "ROW_SHAPE",
        "the row has more or fewer cells than the header",
    ),
    ("CELL_ERROR", "an error cell (#N/A, #REF!…) in the sheet"),
    (
        "EXCEL_NUMBER",
        "an identifier that Excel turned into a number, a date or scientific notation",
    ),
    ("AMOUNT_FORMAT", "an amount the tool will not guess at"),
    ("EXT_PAYOUT_ID", "extPayoutId empty or over 64 characters"),
    (
        "VARIABLE_SYMBOL",
        "additionalVariables is not a Czech variable symbol",
    ),
    (
        "CARD_NUMBER",
        "the card number fails its length or Luhn check",
    ),
    (
        "CARD_EXPIRY",
        "the card expiry is missing, not a month, or past",
    ),
    ("FLAG_VALUE", "a yes/no column holds something else"),
    (
        "REF_REUSED",
        "the reference was paid before with another amount or destination",
    ),
    ("PAYU_REFUSED", "PayU refused the request without a code"),
    ("BULK_FILE_REFUSED", "PayU refused the Bulk Smart Send file"),
    (
        "BULK_ROW_REFUSED",
        "Bulk Smart Send made no link for the row",
    ),
    ("REJECTED", "an approver rejected it"),
    ("CANCELLED", "cancelled before it was paid"),
    ("REVERSED", "the beneficiary's bank sent the money back"),
    ("FAILED", "the transfer failed"),
    ("EXPIRED", "the link expired before the payee claimed it"),
    ("CANARY", "held back: the canary rows did not all succeed"),
    ("POSSIBLE_REPEAT", "looks like a payment made before"),
];

/// PayU's codes, by number (their names as PayU publishes them, in lower case).
const PAYU: [(&str, &str); 114] = [
    ("100", "general error"),
    ("101", "unknown merchant"),
    ("102", "service temporary unavailable"),
    ("1001", "invalid merchant ref id"),
    ("1002", "duplicate merchant ref id"),
    ("1003", "invalid batch id"),
    ("1004", "invalid account number"),
    ("1005", "invalid ifsc code"),
    ("1006", "invalid amount"),
    ("1007", "invalid name"),
    ("1008", "invalid mobile"),
    ("1009", "invalid email"),
    ("1010", "invalid purpose"),
    ("1011", "invalid transfer type"),
    ("1012", "invalid upi request"),
    ("1013", "invalid upi length"),
    ("1014", "invalid upi id"),
    ("1015", "beneficiary name invalid"),
    ("1016", "invalid card number"),
    ("1017", "invalid beneficiary id"),
    ("1018", "invalid schedule date format"),
    ("1019", "invalid schedule date"),
    ("1020", "card provider details not found"),
    ("1021", "invalid card provider details"),
    ("1022", "invalid ifsc code pattern"),
    ("1024", "disabled transfer type"),
    ("1025", "disabled txn source"),
    ("1026", "invalid custom field"),
    ("1027", "invalid card token"),
    ("1028", "invalid card expiry"),
    ("1030", "invalid card cryptogram"),
    ("1031", "invalid istokenized value"),
    ("1032", "exceeded txn limit"),
    ("1100", "invalid merchant"),
    ("1101", "invalid merchant ref id"),
    ("1102", "invalid merchant ref id length"),
    ("1103", "duplicate merchant ref id"),
    ("1104", "invalid amount"),
    ("1105", "invalid mobile"),
    ("1106", "invalid email"),
    ("1107", "invalid link type"),
    ("1108", "mobile or email required"),
    ("1109", "invalid account number or invalid ifsc"),
    ("1110", "invalid link"),
    ("1111", "link expired"),
    ("1112", "link not found"),
    ("1113", "otp required"),
    ("1114", "invalid description"),
    ("1115", "duplicate request"),
    ("1116", "otp triggered failed"),
    ("1117", "otp verification failed"),
    ("1118", "details already filled"),
    ("1119", "failed to cancel smartpay"),
    ("1120", "invalid vpa"),
    ("1121", "expiry date invalid"),
    ("1122", "link cancelled"),
    ("1123", "link rejected"),
    ("1124", "link transaction failed"),
    ("1125", "duplicate smartsend link"),
    ("1126", "approval flow error"),
    ("1127", "approval pending"),
    ("1128", "txn limit exceeded"),
    ("8300", "missing payout amount"),
    ("8301", "missing account number"),
    ("8302", "missing customer name"),
    ("8303", "missing bank name"),
    ("8304", "missing bank address"),
    ("8305", "missing bank address street"),
    ("8306", "missing bank address city"),
    ("8307", "missing bank address country"),
    ("8308", "missing swift code"),
    ("8309", "missing customer address street"),
    ("8310", "missing customer address city"),
    ("8311", "missing customer address country"),
    ("8312", "missing customer address postal code"),
    ("8313", "missing merchant pos id"),
    ("8314", "missing user name"),
    ("8315", "missing timestamp"),
    ("8316", "payout description too long"),
    ("8317", "account number too long"),
    ("8318", "bank name too long"),
    ("8319", "swift code too long"),
    ("8320", "customer address street too long"),
    ("8321", "customer address postal code too long"),
    ("8322", "customer address city too long"),
    ("8323", "customer address country code too long"),
    ("8324", "customer address postal city too long"),
    ("8325", "customer address postal name too long"),
    ("8326", "customer address name too long"),
    ("8327", "customer name too long"),
    ("8328", "bank address street too long"),
    ("8329", "bank address postal code too long"),
    ("8330", "bank address postal city too long"),
    ("8331", "bank address postal name too long"),
    ("8332", "bank address city too long"),
    ("8333", "bank address country code too long"),
    ("8334", "incorrect description"),
    ("8335", "incorrect public id"),
    ("8336", "wrong currency"),
    ("8350", "incorrect payout amount"),
    ("8351", "incorrect account number"),
    ("8352", "not enough funds"),
    ("8353", "incorrect payout"),
    ("8354", "incorrect merchant pos"),
    ("8355", "incorrect request"),
    ("8356", "payout already exists"),
    ("8357", "unauthorized request"),
    ("8358", "no permission"),
    ("8359", "shop not allowed"),
    ("8360", "firm not allowed"),
    ("8361", "missing merchant shop id"),
    ("8362", "payout token missing"),
    ("8363", "payout token with sharing agreement"),
    ("8364", "payout token insufficient authentication level"),
];

/// A few words on what `code` means; empty for a code the tool does not know.
pub fn meaning(code: &str) -> String {
    if let Some(status) = code.strip_prefix("HTTP_") {
        return format!("PayU Europe answered HTTP {status} without a code");
    }
    OWN.iter()
        .chain(PAYU.iter())
        .find(|(c, _)| *c == code)
        .map_or_else(String::new, |(_, m)| (*m).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_meanings() {
        assert_eq!(meaning("1022"), "invalid ifsc code pattern");
        assert_eq!(meaning("8356"), "payout already exists");
        assert_eq!(meaning("1103"), "duplicate merchant ref id");
        assert!(!meaning("EXCEL_NUMBER").is_empty());
        assert_eq!(
            meaning("HTTP_503"),
            "PayU Europe answered HTTP 503 without a code"
        );
        assert_eq!(meaning("NO_SUCH_CODE"), "");
    }

    #[test]
    fn each_code_is_listed_once() {
        let mut all: Vec<&str> = OWN.iter().chain(PAYU.iter()).map(|(c, _)| *c).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
