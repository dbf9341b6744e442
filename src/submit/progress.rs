//! What a run shows while it works: a bar on a terminal (rows validated, sent, confirmed, the
//! current rate, the waits), plain log lines elsewhere (cron), at most one every few seconds.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::client::Counters;

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Mutex<Instant>,
    pub validated: AtomicU64,
    pub to_send: AtomicU64,
    pub sent: AtomicU64,
    pub confirmed: AtomicU64,
    quiet: bool,
}

/// How often a log line is written when not on a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// A bar when stderr is a terminal, log lines otherwise; nothing at all when `quiet`.
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
            validated: AtomicU64::new(0),
            to_send: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            confirmed: AtomicU64::new(0),
            quiet,
        }
    }

    /// A step of the run, said once.
    pub fn phase(&self, what: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("payu-bulk: {what}")),
            None if !self.quiet => eprintln!("payu-bulk: {what}"),
            None => {}
        }
    }

    /// Refreshes the bar (or writes a line when one is due) from the counts so far.
    pub fn update(&self, counters: &Counters) {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let requests = load(&counters.requests);
        let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
        let line = format!(
            "validated {} · sent {}/{} · confirmed {} · {:.1} req/s · 429s {} · waited {:.1}s",
            load(&self.validated),
            load(&self.sent),
            load(&self.to_send),
            load(&self.confirmed),
            requests as f64 / elapsed,
            load(&counters.throttled),
            load(&counters.waited_ms) as f64 / 1000.0,
        );
        match &self.bar {
            Some(bar) => {
                bar.set_length(load(&self.to_send));
                bar.set_position(load(&self.sent));
                bar.set_message(line);
            }
            None if !self.quiet => {
                let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    eprintln!("payu-bulk: {line}");
                }
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
