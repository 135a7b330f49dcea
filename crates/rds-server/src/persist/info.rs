//! INFO persistence: Redis 7.0's fields, in its order, with rds's values.

use std::fmt::{Display, Write as _};

use crate::persist::JobKind;
use crate::state::{now_ms, ServerState};

/// Appends `name:value\r\n`.
pub fn field(out: &mut String, name: &str, value: impl Display) {
    let _ = write!(out, "{name}:{value}\r\n");
}

fn status(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "err"
    }
}

/// Appends the `# Persistence` section.
pub fn render(out: &mut String, state: &ServerState) {
    let persist = &state.persist;
    let now_secs = now_ms() / 1000;
    out.push_str("# Persistence\r\n");
    field(out, "loading", u8::from(persist.is_loading()));
    field(out, "async_loading", 0);
    for name in ["current_cow_peak", "current_cow_size", "current_cow_size_age"] {
        field(out, name, 0);
    }
    let (processed, total) = persist.job.as_ref().map_or((0, 0), |a| (a.job.keys_processed(), a.job.keys_total()));
    let percent = if total == 0 { 0.0 } else { processed as f64 * 100.0 / total as f64 };
    field(out, "current_fork_perc", format!("{percent:.2}"));
    field(out, "current_save_keys_processed", processed);
    field(out, "current_save_keys_total", total);
    field(out, "rdb_changes_since_last_save", state.dirty);
    field(out, "rdb_bgsave_in_progress", u8::from(persist.bgsave_in_progress()));
    field(out, "rdb_last_save_time", state.last_save_secs);
    field(out, "rdb_last_bgsave_status", status(persist.rdb.last_bgsave_ok));
    field(out, "rdb_last_bgsave_time_sec", persist.rdb.last_bgsave_secs);
    let current = match &persist.job {
        Some(active) if matches!(active.kind, JobKind::Bgsave | JobKind::External(_)) => {
            i64::try_from(now_secs.saturating_sub(active.started_secs)).unwrap_or(i64::MAX)
        }
        _ => -1,
    };
    field(out, "rdb_current_bgsave_time_sec", current);
    field(out, "rdb_saves", persist.rdb.saves);
    field(out, "rdb_last_cow_size", 0);
    field(out, "rdb_last_load_keys_expired", persist.rdb.last_load_keys_expired);
    field(out, "rdb_last_load_keys_loaded", persist.rdb.last_load_keys_loaded);
    crate::persist::aof::info(out, state);
    if let Some(loading) = &persist.loading {
        loading_fields(out, loading, now_secs);
    }
}

fn loading_fields(out: &mut String, loading: &crate::persist::Loading, now_secs: u64) {
    let elapsed = now_secs.saturating_sub(loading.started_secs);
    let percent =
        if loading.total_bytes == 0 { 0.0 } else { loading.loaded_bytes as f64 * 100.0 / loading.total_bytes as f64 };
    let eta = if elapsed == 0 || loading.loaded_bytes == 0 {
        1
    } else {
        let rate = loading.loaded_bytes / elapsed.max(1);
        loading.total_bytes.saturating_sub(loading.loaded_bytes) / rate.max(1)
    };
    field(out, "loading_start_time", loading.started_secs);
    field(out, "loading_total_bytes", loading.total_bytes);
    field(out, "loading_rdb_used_mem", loading.rdb_used_mem);
    field(out, "loading_loaded_bytes", loading.loaded_bytes);
    field(out, "loading_loaded_perc", format!("{percent:.2}"));
    field(out, "loading_eta_seconds", eta);
}
