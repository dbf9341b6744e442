//! PayU India Smart Send v2 (§12.2): create a link, a link's details by reference, and Bulk
//! Smart Send's upload → process → status.

use super::auth::{Tokens, authed};
use super::{Answer, CallError, Class, OnLeave, Transport};
use crate::config::Endpoints;
use crate::payu::smart_send::{BulkFile, CreateLink, Link, LinkDetails, LinkError};
use crate::payu::{Codes, Envelope};

/// What PayU said of a link request.
#[derive(Debug, Clone)]
pub enum LinkAnswer {
    Made(Link),
    /// Refused: the items' codes, and the envelope's own code and message.
    Refused {
        errors: Vec<LinkError>,
        msg: Option<String>,
        code: Option<Codes>,
    },
}

/// What PayU said of a bulk file request.
#[derive(Debug, Clone)]
pub enum FileAnswer {
    File(BulkFile),
    Refused(String),
}

pub struct SmartSend<'a> {
    pub transport: &'a Transport,
    pub tokens: &'a Tokens,
    pub endpoints: &'a Endpoints,
    pub merchant_id: &'a str,
}

impl SmartSend<'_> {
    /// Creates one link; never retried here (the caller reconciles).
    pub async fn create(
        &self,
        link: &CreateLink,
        skip_approval: bool,
        on_leave: OnLeave<'_>,
    ) -> Result<LinkAnswer, CallError> {
        let body = if skip_approval {
            super::without_approval(link)
        } else {
            serde_json::to_value(link).map_err(|e| CallError::Unreadable(e.to_string()))?
        };
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            false,
            |c, token| {
                on_leave();
                c.post(&self.endpoints.smart_send_link)
                    .bearer_auth(token)
                    .header("pid", self.merchant_id)
                    .json(&body)
            },
        )
        .await?;
        let envelope: Envelope<serde_json::Value> = answer.json().map_err(CallError::Unreadable)?;
        if envelope.is_success() {
            let made = envelope
                .data
                .and_then(|d| serde_json::from_value::<Link>(d).ok())
                .ok_or_else(|| {
                    CallError::Unreadable(format!(
                        "PayU accepted the link but its answer has no link: {}",
                        answer.snippet()
                    ))
                })?;
            return Ok(LinkAnswer::Made(made));
        }
        let errors = envelope
            .data
            .and_then(|d| serde_json::from_value::<Vec<LinkError>>(d).ok())
            .unwrap_or_default();
        Ok(LinkAnswer::Refused {
            errors,
            msg: envelope.msg,
            code: envelope.code,
        })
    }

    /// The link made for `reference`, if PayU holds one, the words as PayU wrote them: the
    /// link's `smartSendStatus`, and once the payee has claimed it, its transfer's `txnStatus`.
    pub async fn details(&self, reference: &str) -> Result<Option<LinkDetails>, CallError> {
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Status,
            true,
            |c, token| {
                c.get(&self.endpoints.smart_send_details)
                    .bearer_auth(token)
                    .query(&[
                        ("payoutMerchantId", self.merchant_id),
                        ("merchantRefId", reference),
                    ])
            },
        )
        .await?;
        let envelope: Envelope<LinkDetails> = answer.json().map_err(CallError::Unreadable)?;
        // Not found is status 1 with only the echoed reference (§12.2).
        Ok(envelope
            .data
            .filter(|d| envelope.status == 0 && d.link_id.is_some()))
    }

    fn file(answer: Answer) -> Result<FileAnswer, CallError> {
        let envelope: Envelope<BulkFile> = answer.json().map_err(CallError::Unreadable)?;
        match envelope.data {
            Some(f) if envelope.status == 0 => Ok(FileAnswer::File(f)),
            _ => Ok(FileAnswer::Refused(
                envelope.msg.unwrap_or_else(|| answer.snippet()),
            )),
        }
    }

    /// Uploads a Bulk Smart Send file (multipart part `file`); never retried here.
    pub async fn upload(
        &self,
        name: &str,
        bytes: &[u8],
        on_leave: OnLeave<'_>,
    ) -> Result<FileAnswer, CallError> {
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            false,
            |c, token| {
                on_leave();
                let part =
                    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
                c.post(&self.endpoints.smart_send_bulk_upload)
                    .bearer_auth(token)
                    .header("pid", self.merchant_id)
                    .multipart(reqwest::multipart::Form::new().part("file", part))
            },
        )
        .await?;
        Self::file(answer)
    }

    /// Asks PayU to make the links of an uploaded file (safe to repeat: a processed file is
    /// not processed again).
    pub async fn process(&self, file_id: i64) -> Result<FileAnswer, CallError> {
        let url = format!("{}/{file_id}", self.endpoints.smart_send_bulk_upload);
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            true,
            |c, token| {
                c.put(&url)
                    .bearer_auth(token)
                    .header("pid", self.merchant_id)
            },
        )
        .await?;
        Self::file(answer)
    }

    /// The file's status.
    pub async fn file_status(&self, file_id: i64) -> Result<FileAnswer, CallError> {
        let url = format!("{}/{file_id}", self.endpoints.smart_send_bulk_status);
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Status,
            true,
            |c, token| {
                c.get(&url)
                    .bearer_auth(token)
                    .header("pid", self.merchant_id)
            },
        )
        .await?;
        Self::file(answer)
    }
}

impl SmartSend<'_> {
    /// Cancels a link not yet claimed, by its reference: `POST …/payout/smartPay/cancel`
    /// with header `payoutMerchantId` (the variant of the docs' sample and OpenAPI file,
    /// §12.2). PayU's answer as it gave it; safe to repeat (a cancelled link stays cancelled).
    pub async fn cancel(
        &self,
        reference: &str,
    ) -> Result<crate::payu::Envelope<serde_json::Value>, CallError> {
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            true,
            |c, token| {
                c.post(&self.endpoints.smart_send_cancel)
                    .bearer_auth(token)
                    .header("payoutMerchantId", self.merchant_id)
                    .query(&[("merchantRefId", reference)])
            },
        )
        .await?;
        answer.json().map_err(CallError::Unreadable)
    }
}
