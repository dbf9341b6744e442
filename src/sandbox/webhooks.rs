//! Webhooks in the sandbox (§11): Set Webhook stores where each event goes; a tick of the
//! sandbox's runtime finds the events due (a transfer reaching SUCCESS or FAILED, a bulk file
//! completing, a link's details submitted or the link cancelled) and posts them, with the merchant's `authorization` echoed, at most twice more
//! when the merchant does not answer 200 within 10 s.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::answer::{coded, wrong_merchant};
use super::{Api, INDIA_MERCHANT_ID, Sandbox};
use crate::payu::webhook::{Event, Subscription, Target};

/// Where events go, and which were sent already.
#[derive(Default)]
pub(super) struct Webhooks {
    /// By lower-case event key, or `default`.
    targets: HashMap<String, Target>,
    /// Events already due, by a key of their own (so each is sent once).
    pub(super) sent: HashSet<String>,
}

impl Webhooks {
    /// The target of an event: its own webhook first, else `default`, else none (§11.2).
    fn target(&self, event: &str) -> Option<&Target> {
        self.targets
            .get(&event.to_ascii_lowercase())
            .or_else(|| self.targets.get("default"))
    }
}

/// `POST /payout/v2/webhook` (header `payoutMerchantId`), a JSON array of subscriptions.
pub(super) async fn set(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = sandbox.state();
    if !state.authorized(Api::India, &headers) {
        return coded(1, "Unauthorized", None);
    }
    if let Some(refused) = wrong_merchant(&headers) {
        return refused;
    }
    let Ok(subscriptions) = serde_json::from_slice::<Vec<Subscription>>(&body) else {
        return coded(1, "Webhook url is invalid", Some(20407));
    };
    let valid = |url: &str| {
        ["http://", "https://"].iter().any(|scheme| {
            url.strip_prefix(scheme)
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        })
    };
    if subscriptions.is_empty() || !subscriptions.iter().all(|s| valid(&s.values.url)) {
        return coded(1, "Webhook url is invalid", Some(20407));
    }
    for s in subscriptions {
        state
            .webhooks
            .targets
            .insert(s.webhook.to_ascii_lowercase(), s.values);
    }
    coded(0, "Webhook saved successfully", None)
}

/// The events that became due since the last look, each with where it goes.
fn due(sandbox: &Sandbox) -> Vec<(Target, Event)> {
    let settle = sandbox.settings.settle;
    let mut guard = sandbox.state();
    let state = &mut *guard;
    let now = state.now();
    let mut events = state
        .india
        .settled_events(settle, now, &mut state.webhooks.sent);
    events.extend(
        state
            .smart_send
            .completed_files(settle, now, &mut state.webhooks.sent),
    );
    events.extend(
        state
            .smart_send
            .link_events(settle, now, &mut state.webhooks.sent),
    );
    events
        .into_iter()
        .filter_map(|mut event| {
            let target = state.webhooks.target(&event.event)?.clone();
            event.authorization = target.authorization.clone();
            event.payout_merchant_id = Some(INDIA_MERCHANT_ID.to_owned());
            Some((target, event))
        })
        .collect()
}

/// Posts an event: three tries at most, each given 10 s for a 200.
async fn deliver(client: reqwest::Client, target: Target, event: Event) {
    for attempt in 0..3u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200) * attempt).await;
        }
        let sent = client
            .post(&target.url)
            .timeout(Duration::from_secs(10))
            .json(&event)
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().as_u16() == 200) {
            return;
        }
    }
}

/// Looks for due events every 20 ms, for as long as the sandbox runs.
pub(super) async fn tick(sandbox: Sandbox) {
    crate::client::install_tls();
    let client = match reqwest::Client::builder().build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sandbox: webhooks cannot be delivered: {e}");
            return;
        }
    };
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        for (target, event) in due(&sandbox) {
            tokio::spawn(deliver(client.clone(), target, event));
        }
    }
}
