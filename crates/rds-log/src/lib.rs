//! Log lines in Redis's format, `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level> <message>`, because
//! ops scripts and container health checks grep for them (`Ready to accept connections tcp`).

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::registry::LookupSpan;

static ROLE_CHAR: AtomicU8 = AtomicU8::new(b'C');

/// Where `init` sent the log, for the lines written outside tracing ([`log_from_handler`]).
static SINK: std::sync::OnceLock<&'static Sink> = std::sync::OnceLock::new();

/// The role letter in log lines: `C` before the server is set up, then `M` (master) or `S` (replica).
pub fn set_role_char(role: u8) {
    ROLE_CHAR.store(role, Ordering::Relaxed);
}

/// Formats events like Redis's `serverLogRaw`.
struct RedisFormat {
    pid: u32,
}

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR | Level::WARN => '#',
            Level::INFO => '*',
            Level::DEBUG => '-',
            Level::TRACE => '.',
        };
        let role = char::from(ROLE_CHAR.load(Ordering::Relaxed));
        write!(writer, "{}:{} {} {} ", self.pid, role, timestamp(SystemTime::now()), level)?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `dd Mon yyyy hh:mm:ss.mmm` in UTC.
pub fn timestamp(now: SystemTime) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (year, month, day) = civil_from_days(days);
    let rem = secs % 86_400;
    let month_name = MONTHS.get(usize::try_from(month - 1).unwrap_or(0)).copied().unwrap_or("Jan");
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        month_name,
        year,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Where log lines go: stdout, or appended to `logfile`.
enum Sink {
    Stdout,
    File(Mutex<std::fs::File>),
}

struct SinkWriter(&'static Sink);

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0 {
            Sink::Stdout => std::io::stdout().write(buf),
            Sink::File(file) => match file.lock() {
                Ok(mut file) => file.write(buf),
                Err(_) => Ok(buf.len()),
            },
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0 {
            Sink::Stdout => std::io::stdout().flush(),
            Sink::File(_) => Ok(()),
        }
    }
}

/// Maps Redis's `loglevel` to the most verbose tracing level shown.
pub fn level_for(loglevel: &str) -> Option<Level> {
    match loglevel {
        "debug" => Some(Level::TRACE),
        "verbose" => Some(Level::DEBUG),
        "notice" => Some(Level::INFO),
        "warning" => Some(Level::WARN),
        _ => None,
    }
}

/// Installs the global logger; call once at startup. `logfile` empty means stdout.
pub fn init(loglevel: &str, logfile: &str) -> std::io::Result<()> {
    let sink: &'static Sink = if logfile.is_empty() {
        Box::leak(Box::new(Sink::Stdout))
    } else {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(logfile)?;
        Box::leak(Box::new(Sink::File(Mutex::new(file))))
    };
    let _ = SINK.set(sink);
    let Some(level) = level_for(loglevel) else {
        return Ok(());
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .event_format(RedisFormat { pid: std::process::id() })
        .with_writer(move || SinkWriter(sink))
        .finish();
    // A second init (tests starting servers in one process) keeps the first logger.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// A line in the format of Redis's `serverLogFromHandler`, used for what a signal handler reports:
/// `<pid>:signal-handler (<unix seconds>) <message>`. Written whatever the log level, like Redis.
pub fn log_from_handler(message: &str) {
    let Some(sink) = SINK.get() else { return };
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let line = format!("{}:signal-handler ({secs}) {message}\n", std::process::id());
    let mut writer = SinkWriter(sink);
    let _ = writer.write_all(line.as_bytes());
    let _ = writer.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_timestamps_like_redis() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_264_909_123);
        assert_eq!(timestamp(t), "21 Nov 2026 12:41:49.123");
        assert_eq!(timestamp(UNIX_EPOCH), "01 Jan 1970 00:00:00.000");
    }
}
