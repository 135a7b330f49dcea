//! What the sentinel learns from an instance's INFO, and the reconfiguration decisions taken on it
//! (Redis's `sentinelRefreshInstanceInfo`): replica discovery, reboots, role changes, promotion
//! detection, converting a returning old master, fixing misconfigured replicas, and the progress of
//! replicas being reconfigured during a failover.

use crate::core::{Level, Sentinel, SIMFAILURE_CRASH_AFTER_PROMOTION};
use crate::hello::{atoi, atou};
use crate::model::{
    Addr, FailoverState, Instance, Sel, SRI_FAILOVER_IN_PROGRESS, SRI_MASTER, SRI_MASTER_REBOOT, SRI_O_DOWN,
    SRI_PROMOTED, SRI_RECONF_DONE, SRI_RECONF_INPROG, SRI_RECONF_SENT, SRI_SLAVE, SRI_S_DOWN,
};

/// The INFO fields the sentinel uses. Replica-only fields are read only after `role:slave`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InfoReport {
    /// `run_id` (40 characters).
    pub run_id: Option<String>,
    /// `slaveN:` lines: replica addresses.
    pub replicas: Vec<(String, i64)>,
    /// `master_link_down_since_seconds`.
    pub master_link_down_since_secs: Option<i64>,
    /// `SRI_MASTER` or `SRI_SLAVE` from `role:`; 0 if absent.
    pub role: u32,
    /// `master_host`.
    pub master_host: Option<String>,
    /// `master_port`.
    pub master_port: Option<i64>,
    /// `master_link_status:up`.
    pub master_link_up: Option<bool>,
    /// `slave_priority`.
    pub slave_priority: Option<i64>,
    /// `slave_repl_offset`.
    pub slave_repl_offset: Option<u64>,
    /// `replica_announced`.
    pub replica_announced: Option<i64>,
}

/// Parses INFO text line by line as Redis does (prefix matches, C number parsing, no failure).
pub fn parse_info(info: &str) -> InfoReport {
    let mut report = InfoReport::default();
    for line in info.split("\r\n") {
        if line.len() >= 47 && line.starts_with("run_id:") {
            report.run_id = line.get(7..47).map(str::to_string);
        }
        if let Some(replica) = parse_replica_line(line) {
            report.replicas.push(replica);
        }
        if line.len() >= 32 && line.starts_with("master_link_down_since_seconds") {
            report.master_link_down_since_secs = Some(atoi(line.get(31..).unwrap_or("")));
        }
        if line.starts_with("role:master") {
            report.role = SRI_MASTER;
        } else if line.starts_with("role:slave") {
            report.role = SRI_SLAVE;
        }
        if report.role != SRI_SLAVE {
            continue;
        }
        if let Some(host) = line.strip_prefix("master_host:") {
            report.master_host = Some(host.to_string());
        } else if let Some(port) = line.strip_prefix("master_port:") {
            report.master_port = Some(atoi(port));
        } else if let Some(status) = line.strip_prefix("master_link_status:") {
            report.master_link_up = Some(status.eq_ignore_ascii_case("up"));
        } else if let Some(priority) = line.strip_prefix("slave_priority:") {
            report.slave_priority = Some(atoi(priority));
        } else if let Some(offset) = line.strip_prefix("slave_repl_offset:") {
            report.slave_repl_offset = Some(atou(offset));
        } else if let Some(announced) = line.strip_prefix("replica_announced:") {
            report.replica_announced = Some(atoi(announced));
        }
    }
    report
}

/// `slave0:ip=127.0.0.1,port=6380,...` or the old `slave0:127.0.0.1,6380,online`.
fn parse_replica_line(line: &str) -> Option<(String, i64)> {
    let rest = line.strip_prefix("slave")?;
    if line.len() < 7 || !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !line.contains("ip=") {
        let (_, after) = line.split_once(':')?;
        let mut parts = after.splitn(3, ',');
        let ip = parts.next()?;
        let port = parts.next()?;
        parts.next()?;
        return Some((ip.to_string(), atoi(port)));
    }
    let ip_start = line.find("ip=")? + 3;
    let port_start = line.find("port=")? + 5;
    let field = |start: usize| line.get(start..).map(|t| t.split(',').next().unwrap_or("").to_string());
    Some((field(ip_start)?, atoi(&field(port_start)?)))
}

impl Sentinel {
    /// Stores an INFO reply and acts on it.
    pub(crate) fn refresh_instance_info(&mut self, now: i64, m: usize, sel: Sel, info: &str) {
        let report = parse_info(info);
        let reboot_period = i64::try_from(self.masters[m].options.reboot_down_after_ms).unwrap_or(i64::MAX);
        let Some(inst) = self.masters[m].get_mut(sel) else { return };
        inst.info = Some(info.to_string());
        inst.master_link_down_time = 0;
        let mut rebooted = false;
        if let Some(run_id) = &report.run_id {
            match &inst.runid {
                None => inst.runid = Some(run_id.clone()),
                Some(old) if old != run_id => {
                    rebooted = true;
                    if inst.flags & SRI_MASTER != 0 && reboot_period != 0 {
                        inst.flags |= SRI_MASTER_REBOOT;
                        inst.master_reboot_since = now;
                    }
                    inst.runid = Some(run_id.clone());
                }
                Some(_) => {}
            }
        }
        if let Some(secs) = report.master_link_down_since_secs {
            inst.master_link_down_time = secs.saturating_mul(1000);
        }
        if report.role == SRI_SLAVE {
            if let Some(host) = &report.master_host {
                if inst.slave_master_host.as_deref().is_none_or(|old| !old.eq_ignore_ascii_case(host)) {
                    inst.slave_master_host = Some(host.clone());
                    inst.slave_conf_change_time = now;
                }
            }
            if let Some(port) = report.master_port {
                if inst.slave_master_port != port {
                    inst.slave_master_port = port;
                    inst.slave_conf_change_time = now;
                }
            }
            if let Some(up) = report.master_link_up {
                inst.slave_master_link_up = up;
            }
            if let Some(priority) = report.slave_priority {
                inst.slave_priority = priority;
            }
            if let Some(offset) = report.slave_repl_offset {
                inst.slave_repl_offset = offset;
            }
            if let Some(announced) = report.replica_announced {
                inst.replica_announced = announced != 0;
            }
        }
        inst.info_refresh = now;
        let is_master = inst.flags & SRI_MASTER != 0;
        if rebooted {
            self.event_at(Level::Notice, "+reboot", m, sel, "");
        }
        if is_master {
            for (ip, port) in &report.replicas {
                self.discover_replica(now, m, ip, *port);
            }
        }
        self.on_role_report(now, m, sel, report.role);
    }

    fn discover_replica(&mut self, now: i64, m: usize, ip: &str, port: i64) {
        let Ok(port) = u16::try_from(port) else { return };
        let Some(addr) = Addr::resolve(ip, port, self.options.resolve_hostnames) else { return };
        let name = self.replica_name(&addr);
        if self.masters[m].replica_index(&name).is_some() {
            return;
        }
        let down_after = self.masters[m].inst.down_after_ms;
        let (id, link) = (self.new_id(), self.new_link(now));
        let replica = Instance::new(id, SRI_SLAVE, name, addr, down_after, now, link);
        self.masters[m].replicas.push(replica);
        let r = self.masters[m].replicas.len() - 1;
        self.event_at(Level::Notice, "+slave", m, Sel::Replica(r), "");
        self.flush_config();
    }

    /// The acting half of INFO processing.
    fn on_role_report(&mut self, now: i64, m: usize, sel: Sel, role: u32) {
        let Some(inst) = self.masters[m].get_mut(sel) else { return };
        if role != inst.role_reported {
            inst.role_reported_time = now;
            inst.role_reported = role;
            if role == SRI_SLAVE {
                inst.slave_conf_change_time = now;
            }
            let coherent = inst.flags & (SRI_MASTER | SRI_SLAVE) == role;
            let kind = if coherent { "+role-change" } else { "-role-change" };
            let text = format!(" new reported role is {}", if role == SRI_MASTER { "master" } else { "slave" });
            self.event_at(Level::Verbose, kind, m, sel, &text);
        }
        if self.tilt {
            return;
        }
        let Sel::Replica(r) = sel else { return };
        if role == SRI_MASTER {
            self.replica_reports_master(now, m, r);
        } else if role == SRI_SLAVE {
            self.replica_reports_slave(now, m, r);
        }
    }

    fn replica_reports_master(&mut self, now: i64, m: usize, r: usize) {
        let master = &self.masters[m];
        let replica = &master.replicas[r];
        if replica.flags & SRI_PROMOTED != 0
            && master.inst.flags & SRI_FAILOVER_IN_PROGRESS != 0
            && master.failover_state == FailoverState::WaitPromotion
        {
            let master = &mut self.masters[m];
            master.config_epoch = master.failover_epoch;
            master.failover_state = FailoverState::ReconfSlaves;
            master.failover_state_change_time = now;
            self.flush_config();
            self.event_at(Level::Warning, "+promoted-slave", m, Sel::Replica(r), "");
            if self.simfailure_flags & SIMFAILURE_CRASH_AFTER_PROMOTION != 0 {
                crate::failover::simulated_crash();
            }
            self.event_at(Level::Warning, "+failover-state-reconf-slaves", m, Sel::Master, "");
            let from = self.masters[m].inst.addr.clone();
            let to = self.masters[m].replicas[r].addr.clone();
            self.call_client_reconfig_script(m, "leader", "start", &from, &to);
            // Redis makes its next timer call send the hellos (up to 100 ms later); the other
            // sentinels switch to the new master when they get them, so send them now.
            self.force_hello_update(m);
            self.send_hello_everywhere(m);
            // And reconfigure the other replicas now rather than at the next timer call.
            self.failover_state_machine(now, m);
            return;
        }
        // A replica that turned master on its own (or an old master coming back): once things
        // settle, point it back at the master we believe in.
        let wait_time = self.timing.publish_period * 4;
        if replica.flags & SRI_PROMOTED == 0
            && self.master_looks_sane(now, m)
            && replica.no_down_for(wait_time, now)
            && now - replica.role_reported_time > wait_time
        {
            let to = self.masters[m].inst.addr.clone();
            if self.send_slaveof(m, Sel::Replica(r), Some(&to)) {
                self.event_at(Level::Notice, "+convert-to-slave", m, Sel::Replica(r), "");
            }
        }
    }

    fn replica_reports_slave(&mut self, now: i64, m: usize, r: usize) {
        let resolve = self.options.resolve_hostnames;
        let master = &self.masters[m];
        let replica = &master.replicas[r];
        let points_elsewhere = replica.slave_master_port != i64::from(master.inst.addr.port)
            || !replica.slave_master_host.as_deref().is_some_and(|h| master.inst.addr.equals_host(h, resolve));
        if points_elsewhere {
            let wait_time = master.failover_timeout_ms;
            if self.master_looks_sane(now, m)
                && replica.no_down_for(wait_time, now)
                && now - replica.slave_conf_change_time > wait_time
            {
                let to = self.masters[m].inst.addr.clone();
                if self.send_slaveof(m, Sel::Replica(r), Some(&to)) {
                    self.event_at(Level::Notice, "+fix-slave-config", m, Sel::Replica(r), "");
                }
            }
        }
        let master = &self.masters[m];
        let replica = &master.replicas[r];
        if replica.flags & (SRI_RECONF_SENT | SRI_RECONF_INPROG) == 0 {
            return;
        }
        let Some(promoted) = master.promoted_index().map(|p| master.replicas[p].addr.clone()) else { return };
        if replica.flags & SRI_RECONF_SENT != 0
            && replica.slave_master_host.as_deref().is_some_and(|h| promoted.equals_host(h, resolve))
            && replica.slave_master_port == i64::from(promoted.port)
        {
            let replica = &mut self.masters[m].replicas[r];
            replica.flags &= !SRI_RECONF_SENT;
            replica.flags |= SRI_RECONF_INPROG;
            self.event_at(Level::Notice, "+slave-reconf-inprog", m, Sel::Replica(r), "");
        }
        let replica = &mut self.masters[m].replicas[r];
        if replica.flags & SRI_RECONF_INPROG != 0 && replica.slave_master_link_up {
            replica.flags &= !SRI_RECONF_INPROG;
            replica.flags |= SRI_RECONF_DONE;
            self.event_at(Level::Notice, "+slave-reconf-done", m, Sel::Replica(r), "");
        }
    }

    /// A master we may reconfigure replicas towards (Redis's `sentinelMasterLooksSane`).
    pub(crate) fn master_looks_sane(&self, now: i64, m: usize) -> bool {
        let inst = &self.masters[m].inst;
        inst.flags & SRI_MASTER != 0
            && inst.role_reported == SRI_MASTER
            && inst.flags & (SRI_S_DOWN | SRI_O_DOWN) == 0
            && now - inst.info_refresh < self.timing.info_period * 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER_INFO: &str = "# Server\r\nrun_id:f442577ed71ac903e90107d6b5b1b0988b13ea54\r\n\r\n# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=0\r\nslave1:10.0.0.2,6381,online\r\nmaster_failover_state:no-failover\r\n";

    #[test]
    fn reads_master_info() {
        let r = parse_info(MASTER_INFO);
        assert_eq!(r.run_id.as_deref(), Some("f442577ed71ac903e90107d6b5b1b0988b13ea54"));
        assert_eq!(r.role, SRI_MASTER);
        assert_eq!(r.replicas, vec![("127.0.0.1".to_string(), 6380), ("10.0.0.2".to_string(), 6381)]);
        assert_eq!(r.master_host, None);
    }

    #[test]
    fn reads_replica_info_only_after_role_slave() {
        let info = "master_host:ignored\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\nmaster_link_down_since_seconds:12\r\nslave_repl_offset:1234\r\nslave_priority:0\r\nreplica_announced:1\r\n";
        let r = parse_info(info);
        assert_eq!(r.role, SRI_SLAVE);
        assert_eq!(r.master_host.as_deref(), Some("127.0.0.1"));
        assert_eq!(r.master_port, Some(6379));
        assert_eq!(r.master_link_up, Some(false));
        assert_eq!(r.master_link_down_since_secs, Some(12));
        assert_eq!(r.slave_repl_offset, Some(1234));
        assert_eq!(r.slave_priority, Some(0));
        assert_eq!(r.replica_announced, Some(1));
    }

    #[test]
    fn garbage_info_yields_nothing_and_never_panics() {
        for text in [
            "",
            "\r\n\r\n",
            "slave0:",
            "slave0:ip=",
            "slave0:ip=1.2.3.4",
            "slave9x:1,2,3",
            "run_id:short",
            "é\r\nslave1:é,é,é",
        ] {
            let r = parse_info(text);
            assert_eq!(r.role, 0);
        }
        assert_eq!(parse_info("slave0:ip=1.2.3.4,port=x").replicas, vec![("1.2.3.4".to_string(), 0)]);
    }
}
