//! OAuth tokens: PayU India (`accounts.payu.in`, §2), PayU Europe (§16.2) and the chargeback
//! portal (§15.1).

use serde::{Deserialize, Serialize};

/// The public client id of PayU India's password grant, per environment (§2.1).
pub const INDIA_PUBLIC_CLIENT_ID_TEST: &str =
    "6f8bb4951e030d4d7349e64a144a534778673585f86039617c167166e9154f7e";
pub const INDIA_PUBLIC_CLIENT_ID_PRODUCTION: &str =
    "ccbb70745faad9c06092bb5c79bfd919b6f45fd454f34619d83920893e90ae6b";
/// The scope every payout token asks for.
pub const PAYOUT_SCOPE: &str = "create_payout_transactions";

/// A token request to PayU India, sent as a form (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum IndiaTokenRequest {
    /// §2.1: the merchant's username and password, with the public client id.
    Password {
        client_id: String,
        username: String,
        password: String,
        scope: String,
    },
    /// §2.2: the merchant's private client id and secret.
    ClientCredentials {
        client_id: String,
        client_secret: String,
        scope: String,
    },
    /// §2.3: renews a password-grant token.
    RefreshToken {
        client_id: String,
        refresh_token: String,
    },
}

/// A token, as PayU India and PayU Europe answer it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: String,
    /// Seconds the token lives. PayU's own table calls it `expire_in`; its samples say
    /// `expires_in`, which is what is sent.
    #[serde(alias = "expire_in")]
    pub expires_in: u64,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    /// Epoch seconds (PayU's text says milliseconds; its samples are seconds).
    pub created_at: Option<i64>,
    pub user_uuid: Option<String>,
    /// PayU Europe echoes the grant.
    pub grant_type: Option<String>,
}

/// An OAuth refusal: `{"error":"invalid_client","error_description":"…"}` (§2.5, §16.2).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: Option<String>,
}

/// A PayU Europe token request (§16.2), sent as a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EuropeTokenRequest {
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The chargeback portal's token answer (§15.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargebackToken {
    pub status: u16,
    pub message: String,
    pub token: String,
    pub expires_at: String,
    pub organization: Organization,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub uuid: String,
    pub description: String,
    pub product: String,
    pub hide_name: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn india_password_grant_sample_reads() {
        let body = r#"{"access_token":"581bee76","token_type":"Bearer","expires_in":7199,
            "refresh_token":"ff8e239a","scope":"create_payout_transactions",
            "created_at":1585216027,"user_uuid":"11e8-5a8f-05faaaa4-84a5-020d245326e4"}"#;
        let t: Token = serde_json::from_str(body).unwrap();
        assert_eq!((t.expires_in, t.created_at), (7199, Some(1585216027)));
        assert_eq!(t.refresh_token.as_deref(), Some("ff8e239a"));
    }

    #[test]
    fn the_documented_expire_in_spelling_reads_too() {
        let t: Token =
            serde_json::from_str(r#"{"access_token":"a","token_type":"Bearer","expire_in":6351}"#)
                .unwrap();
        assert_eq!(t.expires_in, 6351);
        assert_eq!(t.refresh_token, None);
    }

    #[test]
    fn europe_token_with_its_documented_fields_reads() {
        let body = r#"{"access_token":"7524f96e-2d22-45da-bc64-778a61cbfc26","token_type":"bearer",
            "refresh_token":"95dcc5e0-1a1f-4a53-a5f4-0bd1b8a4b7a7","expires_in":43199,"grant_type":"client_credentials"}"#;
        let t: Token = serde_json::from_str(body).unwrap();
        assert_eq!(t.expires_in, 43199);
        assert_eq!(t.grant_type.as_deref(), Some("client_credentials"));
    }

    #[test]
    fn the_chargeback_sample_reads() {
        let body = r#"{"status":200,"message":"Success","token":"0ec164a4_1884_4c63_ba0b_87e5545c0e3e","expires_at":"2024-06-28 17:37:31",
            "organization":{"id":17909,"name":"Root","uuid":"root","description":"Root","created_by_id":null,"updated_by_id":null,
            "created_at":"2017-04-06T19:18:11.000+05:30","updated_at":"2017-04-06T19:18:11.000+05:30","ancestry":null,"payubiz_id":null,
            "hide_name":false,"url":null,"product":"na","header_mappings":null}}"#;
        let t: ChargebackToken = serde_json::from_str(body).unwrap();
        assert_eq!(
            (t.token.as_str(), t.organization.id),
            ("0ec164a4_1884_4c63_ba0b_87e5545c0e3e", 17909)
        );
    }

    #[test]
    fn grants_carry_their_grant_type() {
        let r = IndiaTokenRequest::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: "s".into(),
            scope: PAYOUT_SCOPE.into(),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["grant_type"], "client_credentials");
        let back: IndiaTokenRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }
}
