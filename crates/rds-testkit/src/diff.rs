//! Runs a differential [`Script`] against two servers in lockstep and lists every step whose replies
//! differ, so one run shows all incompatibilities instead of stopping at the first.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::client::{encode_command, Client};
use crate::script::{replies_match, Action, Compare, Script, Step};
use crate::util::escape;

/// How long one reply may take in a differential run.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest escaped reply shown in a report.
const SHOWN_CHARS: usize = 1500;

/// A server under comparison.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Its name in reports (`rds-server`, `redis-server`).
    pub name: &'a str,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// One step whose replies differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// `file:line`.
    pub location: String,
    /// `RESP2` or `RESP3`.
    pub protocol: &'static str,
    /// The script line.
    pub command: String,
    /// The comparison used.
    pub compare: Compare,
    /// Our reply, escaped (or the error that prevented reading it).
    pub ours: String,
    /// The reference reply, escaped.
    pub theirs: String,
    /// Names of the two sides.
    pub names: (String, String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match &self.compare {
            Compare::Exact => "",
            Compare::Shape => " (shape)",
            Compare::Type => " (type)",
            Compare::Unordered => " (unordered)",
            Compare::Fields(values) if values.is_empty() => " (field names)",
            Compare::Fields(_) => " (field names and listed values)",
        };
        writeln!(f, "{} [{}]{mode}: {}", self.location, self.protocol, self.command)?;
        writeln!(f, "    {:<13} {}", format!("{}:", self.names.0), self.ours)?;
        write!(f, "    {:<13} {}", format!("{}:", self.names.1), self.theirs)
    }
}

fn shown(bytes: &[u8]) -> String {
    let text = escape(bytes);
    if text.len() <= SHOWN_CHARS {
        return text;
    }
    let cut = (0..=SHOWN_CHARS).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}... ({} bytes)", &text[..cut], bytes.len())
}

/// One side's named connections (`!conn NAME`; the first is `main`) and which one steps use.
struct Session {
    port: u16,
    resp3: bool,
    conns: HashMap<String, Option<Client>>,
    current: String,
}

impl Session {
    /// Opens the `main` connection; returns the session and the HELLO 3 reply of RESP3 runs.
    fn open(port: u16, resp3: bool) -> anyhow::Result<(Session, Option<Vec<u8>>)> {
        let mut session = Session { port, resp3, conns: HashMap::new(), current: "main".to_string() };
        let hello = session.connect()?;
        Ok((session, hello))
    }

    /// (Re)connects the current connection; in RESP3 runs also sends `HELLO 3` and returns its reply,
    /// which may be an error (`-NOAUTH` while a password is required) and is compared like any reply.
    fn connect(&mut self) -> anyhow::Result<Option<Vec<u8>>> {
        let mut client = Client::connect(self.port)?;
        client.set_timeout(STEP_TIMEOUT)?;
        let hello = if self.resp3 { Some(client.try_cmd(&["HELLO", "3"])?) } else { None };
        self.conns.insert(self.current.clone(), Some(client));
        Ok(hello)
    }

    fn client(&mut self) -> anyhow::Result<&mut Client> {
        match self.conns.get_mut(&self.current) {
            Some(Some(client)) => Ok(client),
            _ => anyhow::bail!("connection {} was closed by an earlier step", self.current),
        }
    }

    /// Sends bytes, then reads until the server closes the connection.
    fn send_and_read_until_closed(&mut self, bytes: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        let client = self.client()?;
        client.try_send_raw(bytes)?;
        let received = client.read_until_closed();
        self.conns.insert(self.current.clone(), None);
        received.map(Some)
    }

    /// Performs `action`; returns the bytes to compare (`None` when nothing is read).
    fn perform(&mut self, action: &Action) -> anyhow::Result<Option<Vec<u8>>> {
        match action {
            Action::Command(argv) => {
                let client = self.client()?;
                client.send_cmd(argv)?;
                client.try_read_reply().map(Some)
            }
            Action::NoReply(argv) => self.client()?.send_cmd(argv).map(|()| None),
            Action::Read => self.client()?.try_read_reply().map(Some),
            Action::Close(argv) => self.send_and_read_until_closed(&encode_command(argv)),
            Action::Raw(bytes) => {
                let client = self.client()?;
                client.try_send_raw(bytes)?;
                client.try_read_reply().map(Some)
            }
            Action::RawClose(bytes) => self.send_and_read_until_closed(bytes),
            Action::Sleep(_) => Ok(None),
            Action::Reconnect => self.connect(),
            Action::Switch(name) => {
                self.current = name.clone();
                if self.conns.contains_key(name) {
                    Ok(None)
                } else {
                    self.connect()
                }
            }
        }
    }
}

/// Runs `script` against both sides (fresh connections, after `HELLO 3` when `resp3`) and returns the
/// mismatches. A step that fails on either side with an I/O or protocol error is reported and ends
/// the run, since the two connections are no longer in the same state.
pub fn run_script(script: &Script, resp3: bool, ours: Side<'_>, theirs: Side<'_>) -> Vec<Mismatch> {
    let protocol = if resp3 { "RESP3" } else { "RESP2" };
    let names = (ours.name.to_string(), theirs.name.to_string());
    let mismatch = |step: Option<&Step>, compare, ours: String, theirs: String| Mismatch {
        location: format!("{}:{}", script.name, step.map_or(0, |s| s.line)),
        protocol,
        command: step.map_or_else(|| "(connect, HELLO 3 in RESP3 runs)".to_string(), |s| s.text.clone()),
        compare,
        ours,
        theirs,
        names: names.clone(),
    };
    let (mut a, mut b) = match (Session::open(ours.port, resp3), Session::open(theirs.port, resp3)) {
        (Ok((a, hello_a)), Ok((b, hello_b))) => {
            if let (Some(x), Some(y)) = (hello_a, hello_b) {
                if !replies_match(&Compare::Shape, &x, &y) {
                    return vec![mismatch(None, Compare::Shape, shown(&x), shown(&y))];
                }
            }
            (a, b)
        }
        (a, b) => {
            let text = |r: anyhow::Result<_>| r.map_or_else(|e| format!("<{e:#}>"), |_| "<connected>".into());
            return vec![mismatch(None, Compare::Exact, text(a), text(b))];
        }
    };
    let mut found = Vec::new();
    for step in &script.steps {
        if let Action::Sleep(duration) = step.action {
            // Once for both servers, so each sees at least the whole pause.
            std::thread::sleep(duration);
            continue;
        }
        // A new connection's reply is HELLO 3's, whose client id differs.
        let opens = matches!(step.action, Action::Reconnect | Action::Switch(_));
        let compare = if opens { Compare::Shape } else { step.compare.clone() };
        let (left, right) = (a.perform(&step.action), b.perform(&step.action));
        match (left, right) {
            (Ok(Some(x)), Ok(Some(y))) => {
                if !replies_match(&compare, &x, &y) {
                    found.push(mismatch(Some(step), compare.clone(), shown(&x), shown(&y)));
                }
            }
            (Ok(None), Ok(None)) => {}
            (left, right) => {
                let text = |r: anyhow::Result<Option<Vec<u8>>>| match r {
                    Ok(Some(bytes)) => shown(&bytes),
                    Ok(None) => "<nothing read>".to_string(),
                    Err(error) => format!("<{error:#}>"),
                };
                let mut last = mismatch(Some(step), compare, text(left), text(right));
                last.command.push_str("  [connection failed: the rest of the script was not run]");
                found.push(last);
                break;
            }
        }
    }
    found
}

/// Runs a multi-connection `scenario` (given the port) on a fresh `rds` server and on a fresh real
/// redis-server 7.0, both without persistence, and asserts that their transcripts are equal;
/// returns rds's. Without redis-server (outside CI) only rds runs.
pub fn on_both<T: PartialEq + fmt::Debug>(rds: &std::path::Path, scenario: fn(u16) -> T) -> T {
    let spawn = |program: &std::path::Path| {
        crate::ServerBuilder::new(program)
            .args(["--save", "", "--appendonly", "no"])
            .spawn()
            .unwrap_or_else(|error| panic!("{}: {error}", program.display()))
    };
    let ours = {
        let server = spawn(rds);
        scenario(server.port())
    };
    if let Some(bins) = crate::require_redis() {
        let server = spawn(&bins.server);
        let theirs = scenario(server.port());
        assert_eq!(ours, theirs, "rds-server and redis-server disagree");
    }
    ours
}
