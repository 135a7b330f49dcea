//! Hello messages on `__sentinel__:hello`: how sentinels find each other and spread the newest
//! master configuration (Redis's `sentinelSendHello` and `sentinelProcessHelloMessage`).

use crate::core::{Level, Sentinel};
use crate::model::{Addr, Instance, ReplyKind, Sel, SRI_SENTINEL};
use crate::monitor::HELLO_CHANNEL;

/// The eight fields of a hello payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// Announcing sentinel's IP.
    pub ip: String,
    /// Announcing sentinel's port.
    pub port: i64,
    /// Announcing sentinel's run id.
    pub runid: String,
    /// Its current epoch.
    pub current_epoch: u64,
    /// Master name.
    pub master_name: String,
    /// Master address as that sentinel knows it.
    pub master_ip: String,
    /// Master port.
    pub master_port: i64,
    /// That sentinel's config epoch for the master.
    pub master_config_epoch: u64,
}

/// C's `atoi`: optional sign and leading digits, 0 when there are none, saturating.
pub fn atoi(text: &str) -> i64 {
    let bytes = text.trim_start().as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut value: i64 = 0;
    for &b in digits.iter().take_while(|b| b.is_ascii_digit()) {
        value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if negative {
        -value
    } else {
        value
    }
}

/// C's `strtoull` for the epochs: leading digits, 0 when there are none.
pub fn atou(text: &str) -> u64 {
    let mut value: u64 = 0;
    for &b in text.trim_start().as_bytes().iter().take_while(|b| b.is_ascii_digit()) {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    value
}

impl Hello {
    /// Splits a payload; anything but exactly eight comma-separated fields is ignored, as in Redis.
    pub fn parse(payload: &str) -> Option<Hello> {
        let fields: Vec<&str> = payload.split(',').collect();
        let [ip, port, runid, epoch, name, mip, mport, mepoch] = fields.as_slice() else { return None };
        Some(Hello {
            ip: ip.to_string(),
            port: atoi(port),
            runid: runid.to_string(),
            current_epoch: atou(epoch),
            master_name: name.to_string(),
            master_ip: mip.to_string(),
            master_port: atoi(mport),
            master_config_epoch: atou(mepoch),
        })
    }

    /// The payload text.
    pub fn format(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{}",
            self.ip,
            self.port,
            self.runid,
            self.current_epoch,
            self.master_name,
            self.master_ip,
            self.master_port,
            self.master_config_epoch
        )
    }
}

impl Sentinel {
    /// Publishes our hello about instance `sel`'s master through its command link.
    pub(crate) fn send_hello(&mut self, m: usize, sel: Sel) -> bool {
        let master = &self.masters[m];
        let Some(inst) = master.get(sel) else { return false };
        let link = self.link_of(inst);
        if link.disconnected {
            return false;
        }
        let ip = match (&self.options.announce_ip, &link.local_ip) {
            (Some(ip), _) => ip.clone(),
            (None, Some(ip)) => ip.clone(),
            (None, None) => return false,
        };
        let port = if self.options.announce_port != 0 { self.options.announce_port } else { self.port };
        let current = master.current_addr();
        let hello = Hello {
            ip,
            port: i64::from(port),
            runid: self.myid.clone(),
            current_epoch: self.current_epoch,
            master_name: master.inst.name.clone(),
            master_ip: current.announce(self.options.announce_hostnames).to_string(),
            master_port: i64::from(current.port),
            master_config_epoch: master.config_epoch,
        };
        let publish = master.map_command("PUBLISH").to_string();
        let payload = hello.format();
        let inst_id = inst.id;
        let Some(link) = self.link_mut(m, sel) else { return false };
        link.send(inst_id, ReplyKind::Publish, &[publish.as_bytes(), HELLO_CHANNEL.as_bytes(), payload.as_bytes()])
    }

    /// Makes the next timer run send hellos about this master everywhere (after a config change).
    pub(crate) fn force_hello_update(&mut self, m: usize) {
        let period = self.timing.publish_period;
        let master = &mut self.masters[m];
        let insts =
            std::iter::once(&mut master.inst).chain(master.replicas.iter_mut()).chain(master.sentinels.iter_mut());
        for inst in insts {
            if inst.last_pub_time > period {
                inst.last_pub_time -= period + 1;
            }
        }
    }

    /// Sends our hello about master `m` to every connected instance now (masters and replicas
    /// deliver it to the sentinels subscribed to them; sentinels process it at once).
    pub(crate) fn send_hello_everywhere(&mut self, m: usize) {
        for sel in self.masters[m].selectors() {
            self.send_hello(m, sel);
        }
    }

    /// Applies a hello received on a pub/sub link or through PUBLISH.
    pub fn process_hello(&mut self, now: i64, payload: &str) {
        let Some(hello) = Hello::parse(payload) else { return };
        let Some(m) = self.master_index(&hello.master_name) else { return };
        let resolve = self.options.resolve_hostnames;
        let known = self.masters[m]
            .sentinels
            .iter()
            .position(|s| s.runid.as_deref() == Some(&hello.runid) && s.addr.matches(&hello.ip, hello.port, resolve));
        let si = match known {
            Some(i) => Some(i),
            None => self.add_sentinel_from_hello(now, m, &hello),
        };
        if hello.current_epoch > self.current_epoch {
            self.current_epoch = hello.current_epoch;
            self.flush_config();
            let epoch = self.current_epoch;
            self.event(Level::Warning, "+new-epoch", Some(m), epoch.to_string());
        }
        let Some(si) = si else { return };
        if self.masters[m].config_epoch < hello.master_config_epoch {
            self.masters[m].config_epoch = hello.master_config_epoch;
            let port_differs = i64::from(self.masters[m].inst.addr.port) != hello.master_port;
            if port_differs || !self.masters[m].inst.addr.equals_host(&hello.master_ip, self.options.resolve_hostnames)
            {
                self.switch_from_hello(now, m, si, &hello);
            }
        }
        if let Some(s) = self.masters.get_mut(m).and_then(|x| x.sentinels.get_mut(si)) {
            s.last_hello_time = now;
        }
    }

    fn switch_from_hello(&mut self, now: i64, m: usize, si: usize, hello: &Hello) {
        let Ok(new_port) = u16::try_from(hello.master_port) else { return };
        self.event_at(Level::Warning, "+config-update-from", m, Sel::Sentinel(si), "");
        let old = self.masters[m].inst.addr.clone();
        let name = self.masters[m].inst.name.clone();
        let text = format!(
            "{} {} {} {} {}",
            name,
            old.announce(self.options.announce_hostnames),
            old.port,
            hello.master_ip,
            new_port
        );
        self.event(Level::Warning, "+switch-master", Some(m), text);
        if self.reset_master_and_change_address(now, m, &hello.master_ip, new_port) {
            let new = self.masters[m].inst.addr.clone();
            self.call_client_reconfig_script(m, "observer", "start", &old, &new);
        }
    }

    /// Adds the sentinel a hello announces; returns its index, or None if its address is unusable.
    fn add_sentinel_from_hello(&mut self, now: i64, m: usize, hello: &Hello) -> Option<usize> {
        let port = u16::try_from(hello.port).ok()?;
        let before = self.masters[m].sentinels.len();
        self.masters[m].sentinels.retain(|s| s.runid.as_deref() != Some(hello.runid.as_str()));
        let removed = before - self.masters[m].sentinels.len();
        if removed > 0 {
            let text = format!(" ip {} port {} for {}", hello.ip, port, hello.runid);
            self.event_at(Level::Notice, "+sentinel-address-switch", m, Sel::Master, &text);
        } else if let Some(other) = self.masters[m]
            .sentinels
            .iter()
            .position(|s| s.addr.matches(&hello.ip, i64::from(port), self.options.resolve_hostnames))
        {
            // Another run id claims this address: that sentinel restarted with a new id, forget the old one everywhere.
            self.event_at(Level::Notice, "+sentinel-invalid-addr", m, Sel::Sentinel(other), "");
            let obsolete = self.masters[m].sentinels[other].runid.clone();
            for master in &mut self.masters {
                master.sentinels.retain(|s| s.runid != obsolete);
            }
        }
        let addr = Addr::resolve(&hello.ip, port, self.options.resolve_hostnames)?;
        let down_after = self.masters[m].inst.down_after_ms;
        let (id, link) = (self.new_id(), self.new_link(now));
        let mut si = Instance::new(id, SRI_SENTINEL, hello.runid.clone(), addr, down_after, now, link);
        si.runid = Some(hello.runid.clone());
        self.masters[m].sentinels.push(si);
        let idx = self.masters[m].sentinels.len() - 1;
        if removed == 0 {
            self.event_at(Level::Notice, "+sentinel", m, Sel::Sentinel(idx), "");
        }
        // The same sentinel watching other masters already has a link: use it (`link-refcount`).
        self.try_connection_sharing(m, idx);
        if removed > 0 {
            self.update_sentinel_address_in_all_masters(m, idx);
        }
        self.flush_config();
        Some(idx)
    }

    fn update_sentinel_address_in_all_masters(&mut self, m: usize, idx: usize) {
        let (runid, addr) = {
            let s = &self.masters[m].sentinels[idx];
            (s.runid.clone(), s.addr.clone())
        };
        let mut reconfigured = 0;
        for (mi, master) in self.masters.iter_mut().enumerate() {
            for (si, s) in master.sentinels.iter_mut().enumerate() {
                if s.runid != runid {
                    continue;
                }
                if let Some(link) = self.links.get_mut(&s.link) {
                    link.close();
                }
                if mi == m && si == idx {
                    continue;
                }
                s.addr = addr.clone();
                reconfigured += 1;
            }
        }
        if reconfigured > 0 {
            let text = format!(" {reconfigured} additional matching instances");
            self.event_at(Level::Notice, "+sentinel-address-update", m, Sel::Sentinel(idx), &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_the_eight_fields() {
        let text = "127.0.0.1,17052,acb56dd2a9862b831aea37bf0fc0631a6841e2be,0,mymaster,127.0.0.1,17040,0";
        let hello = Hello::parse(text).unwrap();
        assert_eq!(hello.port, 17052);
        assert_eq!(hello.master_name, "mymaster");
        assert_eq!(hello.format(), text);
    }

    #[test]
    fn garbage_is_ignored_or_parsed_like_c() {
        assert_eq!(Hello::parse("garbage"), None);
        assert_eq!(Hello::parse("a,b,c,d,e,f,g"), None);
        assert_eq!(Hello::parse("a,b,c,d,e,f,g,h,i"), None);
        let h = Hello::parse("x,12abc,id,zz,m,y,-5,99999999999999999999999").unwrap();
        assert_eq!(h.port, 12);
        assert_eq!(h.current_epoch, 0);
        assert_eq!(h.master_port, -5);
        assert_eq!(h.master_config_epoch, u64::MAX);
        assert_eq!(atoi(" 42x"), 42);
        assert_eq!(atoi(""), 0);
    }
}
