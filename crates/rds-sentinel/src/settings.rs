//! Runtime configuration commands: SENTINEL SET (per master), SENTINEL CONFIG GET|SET (global) and
//! SENTINEL DEBUG (timing parameters), with Redis's validation order and error texts.

use bytes::Bytes;
use rds_resp::ReplyBuf;

use crate::commands::timing_params;
use crate::core::{Level, Sentinel};
use crate::model::Sel;

fn text(arg: &Bytes) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

fn positive(arg: &Bytes, allow_zero: bool) -> Option<i64> {
    let value: i64 = std::str::from_utf8(arg).ok()?.parse().ok()?;
    if value > 0 || (allow_zero && value == 0) {
        Some(value)
    } else {
        None
    }
}

fn is_executable(path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// What one SENTINEL SET option did: the arguments to show in its `+set` event.
enum SetOutcome {
    Done(Vec<String>),
    BadArg(usize),
    Error(String),
}

/// `SENTINEL SET <master> <option> <value> [<option> <value> ...]`.
pub fn set_command(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    let Some(m) = s.master_index(&text(&args[2])) else {
        out.error(b"ERR No such master with that name");
        return;
    };
    let mut j = 3;
    while j < args.len() {
        let option = text(&args[j]);
        let start = j;
        match set_one(s, m, args, &mut j) {
            SetOutcome::Done(shown) => {
                let extra = format!(" {}", shown.join(" "));
                s.event_at(Level::Warning, "+set", m, Sel::Master, &extra);
            }
            SetOutcome::BadArg(at) => {
                let bad = args.get(at).map(text).unwrap_or_default();
                out.error(format!("ERR Invalid argument '{bad}' for SENTINEL SET '{option}'").as_bytes());
                s.flush_config();
                return;
            }
            SetOutcome::Error(e) => {
                out.error(e.as_bytes());
                s.flush_config();
                return;
            }
        }
        debug_assert!(j > start);
        j += 1;
    }
    s.flush_config();
    out.ok();
}

/// Applies the option at `args[*j]`, leaving `*j` on its last argument.
fn set_one(s: &mut Sentinel, m: usize, args: &[Bytes], j: &mut usize) -> SetOutcome {
    let option = text(&args[*j]).to_ascii_lowercase();
    let more = args.len() - 1 - *j;
    let original = text(&args[*j]);
    if more == 0 || (option == "rename-command" && more < 2) {
        return SetOutcome::Error(format!("ERR Unknown option or number of arguments for SENTINEL SET '{original}'"));
    }
    *j += 1;
    let value = &args[*j];
    let shown = vec![original.clone(), text(value)];
    let deny_scripts = s.options.deny_scripts_reconfig;
    let master = &mut s.masters[m];
    match option.as_str() {
        "down-after-milliseconds" => {
            let Some(ms) = positive(value, false) else { return SetOutcome::BadArg(*j) };
            master.inst.down_after_ms = ms;
            for inst in master.replicas.iter_mut().chain(master.sentinels.iter_mut()) {
                inst.down_after_ms = ms;
            }
        }
        "failover-timeout" => {
            let Some(ms) = positive(value, false) else { return SetOutcome::BadArg(*j) };
            master.failover_timeout_ms = ms;
        }
        "parallel-syncs" => {
            let Some(n) = positive(value, false) else { return SetOutcome::BadArg(*j) };
            master.parallel_syncs = u32::try_from(n).unwrap_or(u32::MAX);
        }
        "quorum" => {
            let Some(n) = positive(value, false) else { return SetOutcome::BadArg(*j) };
            master.quorum = u32::try_from(n).unwrap_or(u32::MAX);
        }
        "master-reboot-down-after-period" => {
            let Some(ms) = positive(value, true) else { return SetOutcome::BadArg(*j) };
            master.options.reboot_down_after_ms = u64::try_from(ms).unwrap_or(0);
        }
        "notification-script" | "client-reconfig-script" => {
            if deny_scripts {
                return SetOutcome::Error(
                    "ERR Reconfiguration of scripts path is denied for security reasons. Check the \
                     deny-scripts-reconfig configuration directive in your Sentinel configuration"
                        .to_string(),
                );
            }
            let path = text(value);
            if !path.is_empty() && !is_executable(&path) {
                return SetOutcome::Error(if option == "notification-script" {
                    "ERR Notification script seems non existing or non executable".to_string()
                } else {
                    "ERR Client reconfiguration script seems non existing or non executable".to_string()
                });
            }
            let path = (!path.is_empty()).then_some(path);
            if option == "notification-script" {
                master.options.notification_script = path;
            } else {
                master.options.client_reconfig_script = path;
            }
        }
        "auth-pass" | "auth-user" => {
            let v = text(value);
            let v = (!v.is_empty()).then_some(v);
            if option == "auth-pass" {
                master.options.auth_pass = v;
            } else {
                master.options.auth_user = v;
            }
            // New credentials take effect on the next connection.
            let ids: Vec<u64> = std::iter::once(&master.inst).chain(&master.replicas).map(|i| i.link).collect();
            for id in ids {
                if let Some(link) = s.links.get_mut(&id) {
                    link.close();
                }
            }
            if option == "auth-pass" {
                return SetOutcome::Done(vec![original, "******".to_string()]);
            }
        }
        "rename-command" => {
            let from = text(value);
            *j += 1;
            let to = text(&args[*j]);
            if from.is_empty() || to.is_empty() {
                return SetOutcome::BadArg(if to.is_empty() { *j } else { *j - 1 });
            }
            master.options.rename_commands.retain(|(f, _)| !f.eq_ignore_ascii_case(&from));
            if from != to {
                master.options.rename_commands.push((from.clone(), to.clone()));
            }
            return SetOutcome::Done(vec![original, from, to]);
        }
        _ => {
            return SetOutcome::Error(format!(
                "ERR Unknown option or number of arguments for SENTINEL SET '{original}'"
            ))
        }
    }
    SetOutcome::Done(shown)
}

/// `SENTINEL CONFIG GET <pattern>` / `SENTINEL CONFIG SET <param> <value>`.
pub fn config_command(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    let action = text(&args[2]).to_ascii_lowercase();
    if action == "get" && args.len() == 4 {
        config_get(s, &args[3], out);
    } else if action == "set" && args.len() == 5 {
        config_set(s, args, out);
    } else {
        out.error(b"ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
    }
}

fn config_get(s: &Sentinel, pattern: &[u8], out: &mut ReplyBuf) {
    let yes_no = |b: bool| if b { "yes".to_string() } else { "no".to_string() };
    let all = [
        ("resolve-hostnames", yes_no(s.options.resolve_hostnames)),
        ("announce-hostnames", yes_no(s.options.announce_hostnames)),
        ("announce-ip", s.options.announce_ip.clone().unwrap_or_default()),
        ("announce-port", s.options.announce_port.to_string()),
        ("sentinel-user", s.options.sentinel_user.clone().unwrap_or_default()),
        ("sentinel-pass", s.options.sentinel_pass.clone().unwrap_or_default()),
    ];
    let matched: Vec<&(&str, String)> =
        all.iter().filter(|(name, _)| rds_glob::glob_match(pattern, name.as_bytes(), true)).collect();
    out.map(matched.len());
    for (name, value) in matched {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
}

fn yes_no(arg: &Bytes) -> Option<bool> {
    match text(arg).to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn config_set(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    let param = text(&args[3]);
    let value = &args[4];
    let bad = |out: &mut ReplyBuf| {
        out.error(format!("ERR Invalid value '{}' to SENTINEL CONFIG SET '{param}'", text(value)).as_bytes());
    };
    let mut drop_conns = false;
    match param.to_ascii_lowercase().as_str() {
        "resolve-hostnames" => match yes_no(value) {
            Some(v) => s.options.resolve_hostnames = v,
            None => return bad(out),
        },
        "announce-hostnames" => match yes_no(value) {
            Some(v) => s.options.announce_hostnames = v,
            None => return bad(out),
        },
        "announce-ip" => {
            let ip = text(value);
            s.options.announce_ip = (!ip.is_empty()).then_some(ip);
        }
        "announce-port" => match text(value).parse::<u16>() {
            Ok(port) => s.options.announce_port = port,
            Err(_) => return bad(out),
        },
        "sentinel-user" | "sentinel-pass" => {
            let v = text(value);
            let v = (!v.is_empty()).then_some(v);
            if param.eq_ignore_ascii_case("sentinel-user") {
                s.options.sentinel_user = v;
            } else {
                s.options.sentinel_pass = v;
            }
            drop_conns = true;
        }
        _ => {
            out.error(format!("ERR Invalid argument '{param}' to SENTINEL CONFIG SET").as_bytes());
            return;
        }
    }
    s.flush_config();
    out.ok();
    if drop_conns {
        let ids: Vec<u64> = s.masters.iter().flat_map(|m| m.sentinels.iter().map(|si| si.link)).collect();
        for id in ids {
            if let Some(link) = s.links.get_mut(&id) {
                link.close();
            }
        }
    }
}

/// `SENTINEL DEBUG [<param> <value> ...]`.
pub fn debug_command(s: &mut Sentinel, args: &[Bytes], out: &mut ReplyBuf) {
    let params = timing_params();
    if args.len() == 2 {
        out.map(params.len());
        for (name, field) in params {
            out.bulk(name.as_bytes());
            out.bulk(field(&mut s.timing).to_string().as_bytes());
        }
        return;
    }
    let mut j = 2;
    while j < args.len() {
        let option = text(&args[j]);
        let param = params.iter().find(|(name, _)| name.eq_ignore_ascii_case(&option));
        let (Some((_, field)), true) = (param, j + 1 < args.len()) else {
            out.error(format!("ERR Unknown option or number of arguments for SENTINEL DEBUG '{option}'").as_bytes());
            return;
        };
        j += 1;
        let Some(value) = positive(&args[j], false) else {
            out.error(format!("ERR Invalid argument '{}' for SENTINEL DEBUG '{option}'", text(&args[j])).as_bytes());
            return;
        };
        *field(&mut s.timing) = value;
        j += 1;
    }
    out.ok();
}
