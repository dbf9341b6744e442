//! PayU India Smart Send v2 in the sandbox (§12.2): create a link, its status, its details;
//! and Bulk Smart Send (§12.3): upload a file, process it, follow its status. A link waits
//! for the payee (`PENDING`) and is paid (`SUCCESS`) once `--settle-ms` passes.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;

use super::Spelling;
use super::answer::{coded, reply, unauthorized, v1_refusal};
use super::approval::{Approval, Chosen};
use super::rules;
use super::{Api, INDIA_MERCHANT_ID, Sandbox, ledger::LedgerEntry, timestamp};
use crate::payu::Envelope;
use crate::payu::india::TxnStatus;
use crate::payu::smart_send::{
    BULK_COLUMNS, BulkFile, CreateLink, Link, LinkDetails, LinkError, LinkStatusV1,
};

/// The links the sandbox made, in the order made (a reference repeated inside
/// `--dedupe-lag-ms` has two), and the bulk files it was sent.
#[derive(Default)]
pub(super) struct Links {
    made: Vec<Made>,
    uploads: HashMap<i64, Upload>,
    next_file: i64,
}

struct Made {
    reference: String,
    /// Its entry in the ledger.
    ledger: usize,
    /// What the link was made from, for v1's status.
    request: CreateLink,
    link: String,
    link_id: String,
    expiry_date: String,
    payu_ref: String,
    /// When it was made, by the sandbox's clock.
    at: Instant,
    cancelled: bool,
    /// Where it stands with the dashboard's checker (`--approval-flow`).
    approval: Approval,
    /// When it went to the payee (made, or approved), by the sandbox's clock: the payee
    /// fills in their details `--settle-ms` later.
    started: Instant,
    /// The UTR its transfer carries once paid.
    utr: String,
}

/// A Smart Send test mobile beyond PayU's own (architecture.md §4.3): its link succeeds (the payee
/// fills in their details) and the transfer behind it fails, with this reason.
const MOBILE_TRANSFER_FAILS: &str = "9111111111";
const LINK_TRANSFER_FAILED: &str =
    "Transfer failed: the beneficiary bank declined the credit (account frozen)";

impl Made {
    fn paid(&self, settle: Duration, now: Instant) -> bool {
        !self.cancelled
            && matches!(self.approval, Approval::NotNeeded | Approval::Approved)
            && now.saturating_duration_since(self.started) >= settle
    }

    /// Whether status lookups show it yet (`--visibility-ms`).
    fn visible(&self, visibility: Duration, now: Instant) -> bool {
        now.saturating_duration_since(self.at) >= visibility
    }

    /// The link's transfer, once the payee filled in their details: IN_PROGRESS, then its
    /// outcome. A link to the failing test mobile ends FAILED; the others SUCCESS as soon as
    /// they are paid.
    fn transfer(&self, settle: Duration, now: Instant) -> Option<TxnStatus> {
        if !self.paid(settle, now) {
            return None;
        }
        if !self.fails() {
            return Some(TxnStatus::Success);
        }
        let since = now.saturating_duration_since(self.started);
        Some(if since >= settle + settle / 2 {
            TxnStatus::Failed
        } else {
            TxnStatus::InProgress
        })
    }

    /// Whether it goes to the failing test mobile.
    fn fails(&self) -> bool {
        self.request.cust_mobile.as_deref() == Some(MOBILE_TRANSFER_FAILS)
    }

    fn details(
        &self,
        reference: &str,
        settle: Duration,
        now: Instant,
        spelling: Spelling,
    ) -> LinkDetails {
        let paid = self.paid(settle, now);
        let status = match (self.cancelled, self.approval, paid) {
            (true, _, _) => "CANCELLED",
            (false, Approval::Waiting, _) => "APPROVAL_PENDING",
            (false, Approval::Rejected, _) => "REJECTED",
            (false, _, true) => "SUCCESS",
            (false, _, false) => "PENDING",
        };
        let transfer = self.transfer(settle, now);
        let word = |t: TxnStatus| {
            let doc = serde_json::to_value(t)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            spelling.spell(&doc)
        };
        let succeeded = transfer == Some(TxnStatus::Success);
        let failed = transfer == Some(TxnStatus::Failed);
        let settled_at = chrono::Utc::now()
            - chrono::Duration::from_std(now.saturating_duration_since(self.started))
                .unwrap_or(chrono::Duration::zero())
            + chrono::Duration::from_std(settle).unwrap_or(chrono::Duration::zero());
        LinkDetails {
            merchant_ref_id: Some(reference.to_owned()),
            smart_send_status: Some(status.to_owned()),
            link_id: Some(self.link_id.clone()),
            link: Some(self.link.clone()),
            txn_status: transfer.map(word),
            payu_transaction_ref_no: paid.then(|| self.payu_ref.clone()),
            expiry_date: Some(self.expiry_date.clone()),
            bank_transaction_ref_no: succeeded.then(|| self.utr.clone()),
            txn_sub_status: None,
            txn_status_description: None,
            response_code: None,
            msg: if failed {
                Some(LINK_TRANSFER_FAILED.to_owned())
            } else if succeeded {
                Some("Transfer successful".to_owned())
            } else {
                None
            },
            transfer_type: paid.then(|| "IMPS".to_owned()),
            txn_source: Some("SMART_SEND".to_owned()),
            succeed_on: succeeded
                .then(|| settled_at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()),
        }
    }
}

/// The documented refusal of a link (§13): `data` lists PayU's codes and messages.
fn refused(errors: Vec<LinkError>) -> Response {
    reply(1, "Fail", Some(errors))
}

/// PayU's Smart Send codes (§13) for a create request, with the sandbox's own reading of
/// PayU's rules ([`rules`]).
fn check(link: &CreateLink) -> Vec<LinkError> {
    let mut errors = Vec::new();
    let mut fail = |code: i64, message: &str| {
        errors.push(LinkError {
            code,
            message: message.to_owned(),
        })
    };
    let reference = &link.merchant_ref_id;
    if !rules::link_reference(reference) {
        fail(1101, "merchantRefId is invalid");
    } else if !rules::within_40(reference) {
        fail(1102, "merchantRefId is too long");
    }
    if !rules::rupees(link.amount) {
        fail(1104, "amount is invalid");
    }
    let mobile = link.cust_mobile.as_deref().filter(|m| !m.is_empty());
    let email = link.cust_email.as_deref().filter(|e| !e.is_empty());
    if mobile.is_none() && email.is_none() {
        fail(1108, "custMobile or custEmail is required");
    }
    if mobile.is_some_and(|m| !rules::mobile(m)) {
        fail(1105, "custMobile is invalid");
    }
    if email.is_some_and(|e| !rules::email(e)) {
        fail(1106, "custEmail is invalid");
    }
    if !rules::link_description(&link.description) {
        fail(1114, "description is invalid");
    }
    if let Some(expiry) = &link.expiry_date
        && rules::expiry_date(expiry).is_none_or(|t| t <= chrono::Utc::now())
    {
        fail(1121, "expiryDate is invalid");
    }
    errors
}

/// `POST /payout/v2/smartSend/link` (header `pid`).
pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = sandbox.state();
    if !state.authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/link");
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    let link: CreateLink = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => {
            return refused(vec![LinkError {
                code: 1100,
                message: format!("the body is not a Smart Send link: {e}"),
            }]);
        }
    };
    let made = make_link(&mut state, &link, host(&headers), &sandbox.settings);
    link_answer(&mut state, made)
}

fn wrong_pid(headers: &HeaderMap) -> Option<Response> {
    (headers.get("pid").and_then(|v| v.to_str().ok()) != Some(INDIA_MERCHANT_ID)).then(|| {
        refused(vec![LinkError {
            code: 1100,
            message: "pid is not a payout merchant id of this account".to_owned(),
        }])
    })
}

/// The host the client called, for the links the sandbox hands out.
fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
}

/// A made link, or PayU's refusal of it. A refusal for a repeated reference alone comes,
/// every other time (which ones the seed decides), as PayU also sends it: on the envelope,
/// `1103`, `1115` or `1125` in turn, with no `data`.
fn link_answer(state: &mut super::State, made: Result<Link, Vec<LinkError>>) -> Response {
    match made {
        Ok(link) => reply(0, "Success", Some(link)),
        Err(errors) if errors.iter().all(|e| e.code == 1103) => {
            match state.duplicate_on_envelope() {
                Some(turn) => {
                    let (code, msg) = [
                        (1103, "DUPLICATE_MERCHNAT_REF_ID"),
                        (1115, "DUPLICATE_REQUEST"),
                        (1125, "DUPLICATE_SMARTSEND_LINK"),
                    ][(turn % 3) as usize];
                    coded(1, msg, Some(code))
                }
                None => refused(errors),
            }
        }
        Err(errors) => refused(errors),
    }
}

/// Checks a link request and, when it passes, makes the link and records it in the ledger.
fn make_link(
    state: &mut super::State,
    link: &CreateLink,
    host: &str,
    settings: &super::Settings,
) -> Result<Link, Vec<LinkError>> {
    let (lag, approval_flow) = (settings.dedupe_lag, settings.approval_flow);
    let reference = link.merchant_ref_id.clone();
    let mut errors = check(link);
    let now = state.now();
    if !reference.is_empty()
        && state
            .ledger
            .received("smart-send", INDIA_MERCHANT_ID, &reference, now, lag)
    {
        errors.push(LinkError {
            code: 1103,
            message: "duplicate merchantRefId".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let id = state.next_id("smart-send");
    let link_id = id[..12].to_owned();
    let expiry_date = link.expiry_date.clone().unwrap_or_else(|| {
        (chrono::Utc::now() + chrono::Duration::days(7))
            .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
            .to_string()
    });
    let made = Made {
        reference: reference.clone(),
        ledger: 0,
        link: format!("http://{host}/url/{link_id}"),
        link_id: link_id.clone(),
        expiry_date: expiry_date.clone(),
        payu_ref: format!("PAYOUT{}", &id[12..32]),
        at: now,
        cancelled: false,
        approval: Approval::at_start(approval_flow, link.disable_approval_flow),
        started: now,
        utr: format!("{:012}", 500_000_000_000u64 + state.issued),
        request: link.clone(),
    };
    let contacts: Vec<String> = [("mobile", &link.cust_mobile), ("email", &link.cust_email)]
        .iter()
        .filter_map(|(what, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{what}:{v}"))
        })
        .collect();
    let ledger = state.ledger.accept(
        LedgerEntry {
            api: "smart-send".to_owned(),
            merchant: INDIA_MERCHANT_ID.to_owned(),
            reference: reference.clone(),
            amount: link.amount.to_string(),
            destination: contacts.join(" "),
            accepted_at: timestamp(),
            times_received: 1,
            state: String::new(),
        },
        now,
    );
    let answer = Link {
        link: made.link.clone(),
        link_id,
        expiry_date: Some(expiry_date),
    };
    state.smart_send.made.push(Made { ledger, ..made });
    Ok(answer)
}

fn details_answer(sandbox: &Sandbox, reference: &str) -> Response {
    let state = sandbox.state();
    let now = state.now();
    // A link not yet visible is answered as one never made (§12.2).
    match state
        .smart_send
        .visible(reference, sandbox.settings.visibility, now)
    {
        Some(made) => Json(Envelope {
            status: 0,
            msg: Some("Success".to_owned()),
            code: None,
            data: Some(made.details(
                reference,
                sandbox.settings.settle,
                now,
                sandbox.settings.status_spelling,
            )),
        })
        .into_response(),
        // Documented: status 1, a message, and data with only the echoed ids (§12.2).
        None => Json(Envelope {
            status: 1,
            msg: Some(format!(
                "Smart Send Record not found with merchant reference id - {reference}. for Payout Merchant Id - {INDIA_MERCHANT_ID}. Kindly fetch details after some time."
            )),
            code: None,
            data: Some(LinkDetails {
                merchant_ref_id: Some(reference.to_owned()),
                ..LinkDetails::default()
            }),
        })
        .into_response(),
    }
}

/// `GET /payout/merchant/smartSend/details?payoutMerchantId=…&merchantRefId=…`.
pub(super) async fn details(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/merchant/smartSend/details");
    }
    if query.get("payoutMerchantId").map(String::as_str) != Some(INDIA_MERCHANT_ID) {
        return Json(Envelope::<()> {
            status: 1,
            msg: Some("payoutMerchantId is not a payout merchant id of this account".to_owned()),
            code: None,
            data: None,
        })
        .into_response();
    }
    let reference = query.get("merchantRefId").cloned().unwrap_or_default();
    details_answer(&sandbox, &reference)
}

/// `GET /payout/v2/smartSend/status?linkId=…`, or with `merchantRefId` (header `pid`).
pub(super) async fn status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/status");
    }
    let reference = match (query.get("merchantRefId"), query.get("linkId")) {
        (Some(r), _) => r.clone(),
        (None, Some(id)) => {
            let state = sandbox.state();
            let now = state.now();
            let found = state
                .smart_send
                .made
                .iter()
                .find(|m| &m.link_id == id && m.visible(sandbox.settings.visibility, now));
            match found {
                Some(m) => m.reference.clone(),
                None => {
                    return Json(Envelope::<()> {
                        status: 1,
                        msg: Some("SmartPay Link not found".to_owned()),
                        code: Some(crate::payu::Codes::One(1112)),
                        data: None,
                    })
                    .into_response();
                }
            }
        }
        (None, None) => String::new(),
    };
    let cancelled = {
        let state = sandbox.state();
        state
            .smart_send
            .visible(&reference, sandbox.settings.visibility, state.now())
            .is_some_and(|m| m.cancelled)
    };
    if cancelled {
        // The status API's documented answer for a cancelled link (§12.2).
        return coded(1, "SmartPay Link cancelled", Some(1122));
    }
    details_answer(&sandbox, &reference)
}

/// An uploaded Bulk Smart Send file and where it stands.
pub(super) struct Upload {
    file: BulkFile,
    /// Each row as a link request, or why it cannot be one.
    rows: Vec<Result<CreateLink, String>>,
    /// When it was processed, by the sandbox's clock.
    processed_at: Option<Instant>,
    /// Rows that made a link, and rows that did not.
    counts: (i64, i64),
}

impl Upload {
    /// The file as lookups show it: its row counts count the links it made only once they
    /// are visible (`--visibility-ms`).
    fn shown(&self, visibility: Duration, now: Instant) -> BulkFile {
        let mut file = self.file.clone();
        if self
            .processed_at
            .is_some_and(|at| now.saturating_duration_since(at) >= visibility)
        {
            (file.successful_rows, file.failed_rows) = self.counts;
        }
        file
    }
}

fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// The rows of an upload file, each as the link it asks for. The columns are found by PayU's
/// names (`BULK_COLUMNS`, in any order), and the file is read with csv and calamine directly:
/// neither the tool's sheet reader nor its header map, so that a mistake there shows here.
fn read_upload(name: &str, bytes: &[u8]) -> Result<Vec<Result<CreateLink, String>>, String> {
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| matches!(e.as_str(), "csv" | "xlsx"))
        .ok_or("the file must be .csv or .xlsx")?;
    let table = if ext == "csv" {
        csv_table(bytes)?
    } else {
        xlsx_table(bytes)?
    };
    let mut lines = table.into_iter();
    let header = lines.next().ok_or("the file is empty")?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let [reference, amount, name, mobile, email, description, expiry] = BULK_COLUMNS.map(column);
    // The create-link fields PayU requires (payu.md §12.2) must have their columns.
    for (found, wanted) in [
        (reference, BULK_COLUMNS[0]),
        (amount, BULK_COLUMNS[1]),
        (name, BULK_COLUMNS[2]),
        (description, BULK_COLUMNS[5]),
    ] {
        if found.is_none() {
            return Err(format!("the file has no column {wanted}"));
        }
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let text = |col: Option<usize>| {
            col.and_then(|c| line.get(c))
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        let value = text(amount).unwrap_or_default();
        rows.push(match value.parse::<Decimal>() {
            Err(_) => Err(format!("row {}: amount '{value}' is not a number", i + 2)),
            Ok(amount) => Ok(CreateLink {
                amount,
                merchant_ref_id: text(reference).unwrap_or_default(),
                cust_name: text(name).unwrap_or_default(),
                cust_mobile: text(mobile),
                cust_email: text(email),
                description: text(description).unwrap_or_default(),
                expiry_date: text(expiry),
                // A file has no such column: its links follow the account's setting.
                disable_approval_flow: None,
            }),
        });
    }
    Ok(rows)
}

/// A CSV upload's lines (UTF-8, a byte-order mark allowed), every cell as text.
fn csv_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// An XLSX upload's first worksheet, every cell as calamine shows it.
fn xlsx_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|e| e.to_string())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no worksheet")?
        .map_err(|e| e.to_string())?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect())
}

fn file_answer(file: &BulkFile) -> Response {
    Json(Envelope {
        status: 0,
        msg: Some("Success".to_owned()),
        code: None,
        data: Some(file.clone()),
    })
    .into_response()
}

fn not_found() -> Response {
    Json(Envelope::<()> {
        status: 1,
        msg: Some("File not found".to_owned()),
        code: None,
        data: None,
    })
    .into_response()
}

/// `POST /payout/v2/smartSend/bulkUpload/transfers` (multipart, part `file`): REQUESTED.
pub(super) async fn upload(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    const PATH: &str = "/payout/v2/smartSend/bulkUpload/transfers";
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized(PATH);
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    let mut file = None;
    while let Ok(Some(part)) = multipart.next_field().await {
        if part.name() == Some("file") {
            let name = part.file_name().unwrap_or("upload").to_owned();
            match part.bytes().await {
                Ok(bytes) => file = Some((name, bytes)),
                Err(e) => return coded(1, &format!("the upload broke off: {e}"), None),
            }
        }
    }
    let Some((name, bytes)) = file else {
        return coded(1, "the request has no part named file", None);
    };
    let rows = match read_upload(&name, &bytes) {
        Ok(rows) => rows,
        Err(why) => return coded(1, &format!("the file cannot be read: {why}"), None),
    };
    let mut state = sandbox.state();
    state.smart_send.next_file += 1;
    let id = 1000 + state.smart_send.next_file;
    let at = now_text();
    let file = BulkFile {
        id,
        file_name: format!("{}_{name}", state.next_id("bulk")[..8].to_owned()),
        merchant_id: INDIA_MERCHANT_ID.parse().unwrap_or_default(),
        display_name: name,
        total_rows: rows.len() as i64,
        successful_rows: 0,
        failed_rows: 0,
        status: "REQUESTED".to_owned(),
        added_on: at.clone(),
        updated_on: at,
        uploaded_by: Some("11e8-5a8f-05faaaa4-84a5-020d245326e4".to_owned()),
        file_export_id: None,
        file_source: Some("DASHBOARD_SMART_SEND".to_owned()),
    };
    let answer = file_answer(&file);
    state.smart_send.uploads.insert(
        id,
        Upload {
            file,
            rows,
            processed_at: None,
            counts: (0, 0),
        },
    );
    answer
}

/// `PUT /payout/v2/smartSend/bulkUpload/transfers/{fileId}`: makes each row's link and
/// moves the file to IN_PROGRESS (COMPLETED once `--settle-ms` passes).
pub(super) async fn process(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let mut guard = sandbox.state();
    let state = &mut *guard;
    if !state.authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/bulkUpload/transfers");
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    let Some(mut upload) = state.smart_send.uploads.remove(&id) else {
        return not_found();
    };
    if upload.processed_at.is_none() {
        let (mut good, mut bad) = (0, 0);
        for row in &upload.rows {
            match row
                .as_ref()
                .map(|link| make_link(state, link, host(&headers), &sandbox.settings))
            {
                Ok(Ok(_)) => good += 1,
                _ => bad += 1,
            }
        }
        upload.processed_at = Some(state.now());
        upload.counts = (good, bad);
        upload.file.status = "IN_PROGRESS".to_owned();
        upload.file.file_export_id = Some(id * 10);
        upload.file.updated_on = now_text();
    }
    let answer = file_answer(&upload.shown(sandbox.settings.visibility, state.now()));
    state.smart_send.uploads.insert(id, upload);
    answer
}

/// `GET /payout/v2/bulkUpload/transfers/{fileId}` (no `smartSend` in this path, as PayU's).
pub(super) async fn file_status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let settle = sandbox.settings.settle;
    let mut state = sandbox.state();
    if !state.authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/bulkUpload/transfers");
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    let now = state.now();
    let Some(upload) = state.smart_send.uploads.get_mut(&id) else {
        return not_found();
    };
    complete_if_due(upload, settle, now);
    file_answer(&upload.shown(sandbox.settings.visibility, now))
}

/// Cancels a link not yet paid (§12.2, cancel).
fn cancel_link(sandbox: &Sandbox, found: impl Fn(&str, &Made) -> bool) -> Response {
    let settle = sandbox.settings.settle;
    let mut state = sandbox.state();
    let now = state.now();
    let Some(made) = state
        .smart_send
        .made
        .iter_mut()
        .rev()
        .find(|m| found(&m.reference, m))
    else {
        return coded(1, "SmartPay Link not found", Some(1112));
    };
    if made.cancelled || made.paid(settle, now) {
        return coded(
            1,
            "Payout cannot be cancelled as it is already processed or cancelled",
            Some(1110),
        );
    }
    made.cancelled = true;
    coded(0, "Smart send link cancelled", None)
}

/// `POST /payout/smartPay/cancel?merchantRefId=…` (header `payoutMerchantId`): one of the
/// two cancel paths PayU documents.
pub(super) async fn cancel_by_reference(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refused) = v1_refusal(&sandbox.state(), &headers, "/payout/smartPay/cancel") {
        return refused;
    }
    let reference = query.get("merchantRefId").cloned().unwrap_or_default();
    cancel_link(&sandbox, |r, _| r == reference)
}

/// `PUT /payout/v2/smartSend/cancel/{smartSendId}` (header `pid`): the other cancel path.
pub(super) async fn cancel_by_id(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/cancel");
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    cancel_link(&sandbox, |_, m| m.link_id == id)
}

/// `PUT /payout/v2/smartSend/expiry/{smartSendId}` (form `expiryDate`): only for a link that
/// is neither paid nor cancelled.
pub(super) async fn extend_expiry(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<
        axum::extract::Form<HashMap<String, String>>,
        axum::extract::rejection::FormRejection,
    >,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/expiry");
    }
    if let Some(refusal) = wrong_pid(&headers) {
        return refusal;
    }
    let expiry = form
        .map(|f| f.0)
        .unwrap_or_default()
        .remove("expiryDate")
        .unwrap_or_default();
    let settle = sandbox.settings.settle;
    let mut state = sandbox.state();
    let now = state.now();
    let Some(made) = state.smart_send.made.iter_mut().find(|m| m.link_id == id) else {
        return coded(1, "SmartPay Link not found", Some(1112));
    };
    if made.cancelled || made.paid(settle, now) {
        return coded(1, "SmartPay Link is not valid", Some(1110));
    }
    if rules::expiry_date(&expiry).is_none_or(|t| t <= chrono::Utc::now()) {
        return coded(1, "expiryDate is invalid", Some(1121));
    }
    made.expiry_date = expiry;
    coded(0, "Expiry date updated", None)
}

impl Links {
    /// The checker's decision on the waiting links `chosen` names. The references moved.
    pub(super) fn decide(&mut self, chosen: &Chosen, approve: bool, now: Instant) -> Vec<String> {
        let mut moved = Vec::new();
        for m in &mut self.made {
            if m.approval == Approval::Waiting && !m.cancelled && chosen.has(&m.reference) {
                m.approval = if approve {
                    Approval::Approved
                } else {
                    Approval::Rejected
                };
                m.started = now;
                moved.push(m.reference.clone());
            }
        }
        moved
    }

    /// Each link's ledger entry and its current `smartSendStatus`.
    pub(super) fn states(&self, settle: Duration, now: Instant) -> Vec<(usize, String)> {
        self.made
            .iter()
            .map(|m| {
                let details = m.details(&m.reference, settle, now, Spelling::Doc);
                (m.ledger, details.smart_send_status.unwrap_or_default())
            })
            .collect()
    }

    /// The latest link with `reference` that lookups show at `now`.
    fn visible(&self, reference: &str, visibility: Duration, now: Instant) -> Option<&Made> {
        self.made
            .iter()
            .rev()
            .find(|m| m.reference == reference && m.visible(visibility, now))
    }

    /// Marks the processed files whose time has come COMPLETED, with a
    /// `BULK_SMART_SEND_FILE_PROCESSED` event each.
    pub(super) fn completed_files(
        &mut self,
        settle: Duration,
        now: Instant,
        sent: &mut HashSet<String>,
    ) -> Vec<crate::payu::webhook::Event> {
        let mut events = Vec::new();
        for (id, upload) in &mut self.uploads {
            complete_if_due(upload, settle, now);
            if upload.file.status != "COMPLETED" || !sent.insert(format!("file:{id}")) {
                continue;
            }
            events.push(crate::payu::webhook::Event {
                event: "BULK_SMART_SEND_FILE_PROCESSED".to_owned(),
                msg: "File processed".to_owned(),
                file_id: Some(*id),
                total_rows: Some(upload.file.total_rows),
                successful_rows: Some(upload.counts.0),
                failed_rows: Some(upload.counts.1),
                status: Some("COMPLETED".to_owned()),
                ..crate::payu::webhook::Event::default()
            });
        }
        events
    }
}

/// A processed file is COMPLETED once `settle` has passed since it was processed.
fn complete_if_due(upload: &mut Upload, settle: Duration, now: Instant) {
    if upload
        .processed_at
        .is_some_and(|at| now.saturating_duration_since(at) >= settle)
        && upload.file.status == "IN_PROGRESS"
    {
        upload.file.status = "COMPLETED".to_owned();
        upload.file.updated_on = now_text();
    }
}

/// Smart Send v1 create (deprecated; PayU's path for it is unconfirmed, presumably
/// `POST /payout/smartPay`, header `payoutMerchantId`): the same link as v2.
pub(super) async fn create_v1(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/smartPay") {
        return refused;
    }
    let link: CreateLink = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => return coded(1, &format!("the body is not a Smart Send link: {e}"), None),
    };
    let made = make_link(&mut state, &link, host(&headers), &sandbox.settings);
    link_answer(&mut state, made)
}

/// `GET /payout/smartPay/status?linkId=…` (or `merchantRefId` and `payoutMerchantId`): v1.
pub(super) async fn status_v1(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = sandbox.state();
    if !state.authorized(Api::India, &headers) {
        return unauthorized("/payout/smartPay/status");
    }
    let settle = sandbox.settings.settle;
    let now = state.now();
    let found = state.smart_send.made.iter().rev().find(|m| {
        m.visible(sandbox.settings.visibility, now)
            && (query.get("linkId") == Some(&m.link_id)
                || (query.get("merchantRefId") == Some(&m.reference)
                    && query.get("payoutMerchantId").map(String::as_str)
                        == Some(INDIA_MERCHANT_ID)))
    });
    let Some(made) = found else {
        return coded(1, "SmartPay Link not found", Some(1112));
    };
    if made.cancelled {
        return coded(1, "SmartPay Link cancelled", Some(1122));
    }
    let filled = made.paid(settle, now);
    let reference = &made.reference;
    let data = LinkStatusV1 {
        link: made.link.clone(),
        link_id: made.link_id.clone(),
        merchant_ref_id: reference.clone(),
        cust_email: made.request.cust_email.clone(),
        cust_name: Some(made.request.cust_name.clone()),
        cust_mobile: made.request.cust_mobile.clone(),
        amount: made.request.amount.to_string(),
        is_otp_verified: filled,
        link_expiry_date: made.expiry_date.clone(),
        detail_filled: filled,
    };
    let msg = if filled {
        "Success"
    } else {
        "Account Detail Pending"
    };
    Json(Envelope {
        status: 0,
        msg: Some(msg.to_owned()),
        code: None,
        data: Some(data),
    })
    .into_response()
}

impl Links {
    /// `SMART_SEND_DETAIL_SUBMITTED` for links whose payee filled in their details, and
    /// `SMART_SEND_CANCELLED` for cancelled ones, each once.
    pub(super) fn link_events(
        &self,
        settle: Duration,
        now: Instant,
        sent: &mut HashSet<String>,
    ) -> Vec<crate::payu::webhook::Event> {
        let mut events = Vec::new();
        for made in &self.made {
            let reference = &made.reference;
            let (key, event, msg) = if made.cancelled {
                (
                    "cancelled",
                    "SMART_SEND_CANCELLED",
                    "Smart send link cancelled",
                )
            } else if made.paid(settle, now) {
                (
                    "submitted",
                    "SMART_SEND_DETAIL_SUBMITTED",
                    "Details submitted",
                )
            } else {
                continue;
            };
            if !sent.insert(format!("link-{key}:{}", made.link_id)) {
                continue;
            }
            events.push(crate::payu::webhook::Event {
                event: event.to_owned(),
                msg: msg.to_owned(),
                merchant_reference_id: Some(reference.clone()),
                link_id: Some(made.link_id.clone()),
                ..crate::payu::webhook::Event::default()
            });
        }
        events
    }
}
