//! Notification and client-reconfig scripts, run like Redis Sentinel runs them: a bounded queue, at
//! most 16 running at once, each killed after 60 s, and retried with a doubling delay when it exits
//! with status 1 or dies from a signal.
//!
//! The core calls [`ScriptQueue::tick`] from its timer; nothing here blocks: children are started
//! with `std::process` and reaped with `try_wait`.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rds_resp::ReplyBuf;

use crate::pubsub::EventBus;

/// Most jobs kept in the queue (Redis `SENTINEL_SCRIPT_MAX_QUEUE`); the oldest waiting job is dropped.
pub const MAX_QUEUE: usize = 256;
/// Most scripts running at once (`SENTINEL_SCRIPT_MAX_RUNNING`).
pub const MAX_RUNNING: usize = 16;
/// A script running longer than this is killed (`SENTINEL_SCRIPT_MAX_RUNTIME`).
pub const MAX_RUNTIME: Duration = Duration::from_secs(60);
/// Attempts per job (`SENTINEL_SCRIPT_MAX_RETRY`).
pub const MAX_RETRY: u32 = 10;
/// Delay before the first retry, doubled for each later one (`SENTINEL_SCRIPT_RETRY_DELAY`).
pub const RETRY_DELAY: Duration = Duration::from_secs(30);

struct Job {
    argv: Vec<String>,
    child: Option<Child>,
    /// When the job may (re)start; `None` means as soon as a slot is free.
    start_at: Option<Instant>,
    /// When the running child started.
    started: Instant,
    retry_num: u32,
}

/// The queue of scripts to run.
pub struct ScriptQueue {
    jobs: Vec<Job>,
    bus: EventBus,
    retry_delay: Duration,
    max_runtime: Duration,
}

impl ScriptQueue {
    /// An empty queue whose `-script-error`/`-script-timeout` events go to `bus`.
    pub fn new(bus: EventBus) -> Self {
        ScriptQueue { jobs: Vec::new(), bus, retry_delay: RETRY_DELAY, max_runtime: MAX_RUNTIME }
    }

    /// Queues `path args...` to run on a next tick (Redis `sentinelScheduleScriptExecution`).
    pub fn schedule(&mut self, path: &str, args: Vec<String>) {
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(path.to_string());
        argv.extend(args);
        self.jobs.push(Job { argv, child: None, start_at: None, started: Instant::now(), retry_num: 0 });
        if self.jobs.len() > MAX_QUEUE {
            if let Some(oldest) = self.jobs.iter().position(|j| j.child.is_none()) {
                self.jobs.remove(oldest);
            }
        }
    }

    /// One timer tick: reap finished children, kill timed-out ones, start due jobs.
    pub fn tick(&mut self) {
        let now = Instant::now();
        self.collect_terminated(now);
        self.kill_timed_out(now);
        self.run_pending(now);
    }

    /// Scripts running now (INFO `sentinel_running_scripts`).
    pub fn running(&self) -> usize {
        self.jobs.iter().filter(|j| j.child.is_some()).count()
    }

    /// Jobs in the queue, running or waiting (INFO `sentinel_scripts_queue_length`).
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// The SENTINEL PENDING-SCRIPTS reply: one map per job (argv, flags, pid, run-time or
    /// run-delay, retry-num), numbers as bulk strings like Redis.
    pub fn pending_scripts_reply(&self, out: &mut ReplyBuf) {
        let now = Instant::now();
        out.array(self.jobs.len());
        for job in &self.jobs {
            out.map(5);
            out.bulk(b"argv");
            out.bulk_array(job.argv.iter());
            out.bulk(b"flags");
            out.bulk(if job.child.is_some() { b"running".as_slice() } else { b"scheduled" });
            out.bulk(b"pid");
            out.bulk_int(job.child.as_ref().map_or(0, |c| i64::from(c.id())));
            if job.child.is_some() {
                out.bulk(b"run-time");
                out.bulk_int(millis(now.saturating_duration_since(job.started)));
            } else {
                out.bulk(b"run-delay");
                out.bulk_int(job.start_at.map_or(0, |at| millis(at.saturating_duration_since(now))));
            }
            out.bulk(b"retry-num");
            out.bulk_int(i64::from(job.retry_num));
        }
    }

    fn run_pending(&mut self, now: Instant) {
        let mut running = self.running();
        let mut index = 0;
        while index < self.jobs.len() && running < MAX_RUNNING {
            let job = &mut self.jobs[index];
            if job.child.is_some() || job.start_at.is_some_and(|at| at > now) {
                index += 1;
                continue;
            }
            job.retry_num += 1;
            job.started = now;
            // Redis execve()s with an empty environment; the output goes where the sentinel's goes.
            let spawned = Command::new(&job.argv[0]).args(&job.argv[1..]).env_clear().stdin(Stdio::null()).spawn();
            match spawned {
                Ok(child) => {
                    tracing::debug!("+script-child {}", child.id());
                    job.child = Some(child);
                    running += 1;
                    index += 1;
                }
                Err(err) if err.raw_os_error().is_some_and(is_exec_error) => {
                    // In Redis the child's execve fails and it exits with status 2: not retried.
                    let job = self.jobs.remove(index);
                    self.event("-script-error", &format!("{} 0 2", job.argv[0]));
                }
                Err(_) => {
                    // Redis's fork failure: reported, and the job stays queued for the next tick.
                    let path = job.argv[0].clone();
                    self.event("-script-error", &format!("{path} 99 0"));
                    index += 1;
                }
            }
        }
    }

    fn collect_terminated(&mut self, now: Instant) {
        let mut index = 0;
        while index < self.jobs.len() {
            let job = &mut self.jobs[index];
            let Some(child) = job.child.as_mut() else {
                index += 1;
                continue;
            };
            let status = match child.try_wait() {
                Ok(Some(status)) => status,
                Ok(None) => {
                    index += 1;
                    continue;
                }
                Err(err) => {
                    tracing::warn!(
                        "waitpid() returned a pid ({}) we can't find in our scripts execution queue!: {err}",
                        child.id()
                    );
                    job.child = None;
                    index += 1;
                    continue;
                }
            };
            let pid = child.id();
            let exit_code = status.code().unwrap_or(0);
            let by_signal = status.signal().unwrap_or(0);
            tracing::debug!("-script-child {pid} {exit_code} {by_signal}");
            job.child = None;
            if (by_signal != 0 || exit_code == 1) && job.retry_num != MAX_RETRY {
                job.start_at = Some(now + retry_delay(self.retry_delay, job.retry_num));
                index += 1;
                continue;
            }
            let job = self.jobs.remove(index);
            if by_signal != 0 || exit_code != 0 {
                self.event("-script-error", &format!("{} {by_signal} {exit_code}", job.argv[0]));
            }
        }
    }

    fn kill_timed_out(&mut self, now: Instant) {
        let mut timed_out = Vec::new();
        for job in &mut self.jobs {
            let Some(child) = job.child.as_mut() else { continue };
            if now.saturating_duration_since(job.started) > self.max_runtime {
                timed_out.push(format!("{} {}", job.argv[0], child.id()));
                // SIGKILL; the next tick reaps it as killed by a signal, which schedules a retry.
                let _ = child.kill();
            }
        }
        for text in timed_out {
            self.event("-script-timeout", &text);
        }
    }

    /// Logs and publishes an event the way `sentinelEvent` does for events without an instance.
    fn event(&self, kind: &str, text: &str) {
        tracing::warn!("{kind} {text}");
        self.bus.publish(kind.as_bytes(), text.as_bytes());
    }
}

impl Drop for ScriptQueue {
    fn drop(&mut self) {
        // Reap what already finished so no zombie outlives the queue; running scripts keep running,
        // as they would when Redis exits.
        for job in &mut self.jobs {
            if let Some(child) = job.child.as_mut() {
                let _ = child.try_wait();
            }
        }
    }
}

/// ENOENT or EACCES from exec: the script does not exist or is not executable.
fn is_exec_error(errno: i32) -> bool {
    errno == 2 || errno == 13
}

/// Redis `sentinelScriptRetryDelay`: the base delay, doubled for each retry after the first.
fn retry_delay(base: Duration, retry_num: u32) -> Duration {
    let doublings = retry_num.saturating_sub(1).min(20);
    base.saturating_mul(1u32 << doublings)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rds_resp::Protocol;

    fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rds-sentinel-scripts-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Ticks until `done` holds, failing after 10 s.
    fn tick_until(queue: &mut ScriptQueue, done: impl Fn(&ScriptQueue) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(queue) {
            assert!(Instant::now() < deadline, "timed out");
            queue.tick();
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn drain(mailbox: &mut crate::pubsub::Mailbox) -> Vec<String> {
        std::iter::from_fn(|| mailbox.try_recv()).map(|f| String::from_utf8_lossy(&f).into_owned()).collect()
    }

    #[test]
    fn a_script_runs_with_its_arguments_and_leaves_the_queue() {
        let dir = temp_dir("args");
        let out = dir.join("out");
        let path = script(&dir, "notify.sh", &format!("echo \"$1 $2\" > {}", out.display()));
        let mut queue = ScriptQueue::new(EventBus::new());
        queue.schedule(&path, vec!["+sdown".into(), "master m 127.0.0.1 6379".into()]);
        assert_eq!((queue.queued(), queue.running()), (1, 0));
        tick_until(&mut queue, |q| q.queued() == 0);
        assert_eq!(std::fs::read_to_string(out).unwrap(), "+sdown master m 127.0.0.1 6379\n");
    }

    #[test]
    fn exit_status_1_is_retried_with_backoff_then_reported() {
        let dir = temp_dir("retry");
        let count = dir.join("count");
        let path = script(&dir, "fail.sh", &format!("echo x >> {}\nexit 1", count.display()));
        let bus = EventBus::new();
        let mut events = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, crate::pubsub::Kind::Pattern, &bytes::Bytes::from_static(b"*"));
        let mut queue = ScriptQueue::new(bus);
        queue.retry_delay = Duration::from_millis(1);
        queue.schedule(&path, vec![]);
        tick_until(&mut queue, |q| q.queued() == 0);
        let runs = std::fs::read_to_string(count).unwrap().lines().count();
        assert_eq!(runs, MAX_RETRY as usize);
        let published = drain(&mut events);
        assert_eq!(published.len(), 1);
        assert!(published[0].contains("-script-error") && published[0].contains(&format!("{path} 0 1")));
        assert_eq!(retry_delay(RETRY_DELAY, 1), Duration::from_secs(30));
        assert_eq!(retry_delay(RETRY_DELAY, 3), Duration::from_secs(120));
    }

    #[test]
    fn other_failures_are_reported_once_and_not_retried() {
        let dir = temp_dir("exit2");
        let path = script(&dir, "bad.sh", "exit 3");
        let bus = EventBus::new();
        let mut events = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, crate::pubsub::Kind::Channel, &bytes::Bytes::from_static(b"-script-error"));
        let mut queue = ScriptQueue::new(bus);
        queue.schedule(&path, vec![]);
        queue.schedule("/nonexistent/script", vec![]);
        tick_until(&mut queue, |q| q.queued() == 0);
        let mut published = drain(&mut events);
        published.sort();
        assert_eq!(published.len(), 2);
        assert!(published[0].ends_with("/nonexistent/script 0 2\r\n"), "{published:?}");
        assert!(published[1].ends_with(&format!("{path} 0 3\r\n")), "{published:?}");
    }

    #[test]
    fn a_script_over_the_time_limit_is_killed_and_retried() {
        let dir = temp_dir("timeout");
        let count = dir.join("count");
        let path = script(&dir, "slow.sh", &format!("echo x >> {}\nexec sleep 30", count.display()));
        let bus = EventBus::new();
        let mut events = bus.register(1, Protocol::Resp2);
        bus.subscribe(1, crate::pubsub::Kind::Channel, &bytes::Bytes::from_static(b"-script-timeout"));
        let mut queue = ScriptQueue::new(bus);
        queue.max_runtime = Duration::from_millis(200);
        queue.retry_delay = Duration::from_secs(3600);
        queue.schedule(&path, vec![]);
        tick_until(&mut queue, |q| q.running() == 1);
        let mut reply = ReplyBuf::new();
        queue.pending_scripts_reply(&mut reply);
        let text = String::from_utf8_lossy(&reply.buf).into_owned();
        assert!(text.starts_with("*1\r\n*10\r\n$4\r\nargv\r\n*1\r\n") && text.contains("running"), "{text}");
        // Killed after the limit, then waiting for its (long) retry delay.
        tick_until(&mut queue, |q| q.running() == 0);
        assert_eq!(queue.queued(), 1);
        let published = drain(&mut events);
        assert_eq!(published.len(), 1);
        assert!(published[0].contains(&path));
        let mut reply = ReplyBuf::new();
        queue.pending_scripts_reply(&mut reply);
        let text = String::from_utf8_lossy(&reply.buf).into_owned();
        assert!(text.contains("scheduled") && text.contains("run-delay") && text.contains("retry-num\r\n$1\r\n1"));
    }

    #[test]
    fn the_queue_is_bounded_dropping_the_oldest_waiting_job() {
        let mut queue = ScriptQueue::new(EventBus::new());
        for i in 0..MAX_QUEUE + 5 {
            queue.schedule("/bin/true", vec![i.to_string()]);
        }
        assert_eq!(queue.queued(), MAX_QUEUE);
        assert_eq!(queue.jobs[0].argv[1], "5");
    }
}
