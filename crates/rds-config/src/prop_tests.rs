//! Property tests over the whole directive table: CONFIG SET → GET → SET is a fixed point, bad input
//! never panics or half-applies, and CONFIG REWRITE → load reproduces every value.

use proptest::prelude::*;

use crate::kind::{Kind, NumFmt, Special, FILE_ONLY, IMMUTABLE, PROTECTED};
use crate::table::DIRECTIVES;
use crate::testutil::TempDir;
use crate::Config;

/// Indexes of directives CONFIG SET may change.
fn settable() -> Vec<usize> {
    (0..DIRECTIVES.len()).filter(|&i| !DIRECTIVES[i].has(IMMUTABLE | PROTECTED | FILE_ONLY)).collect()
}

/// A value text for directive `index`, mostly valid, in the shapes users write.
fn value_for(index: usize) -> BoxedStrategy<String> {
    let word = "[a-z0-9.:-]{1,12}";
    match DIRECTIVES[index].kind {
        Kind::Bool { .. } => {
            prop_oneof![Just("yes"), Just("no"), Just("YES"), Just("No")].prop_map(String::from).boxed()
        }
        Kind::Num { min, max, fmt, .. } => {
            let (lo, hi) = (min.max(-(1 << 40)), max.min(1 << 40));
            let plain = (lo..=hi).prop_map(|n| n.to_string());
            match fmt {
                NumFmt::Int => plain.boxed(),
                NumFmt::Octal => (lo..=hi).prop_map(|n| format!("{n:o}")).boxed(),
                NumFmt::Memory | NumFmt::MemoryPercent => {
                    let units = prop_oneof![Just("k"), Just("kb"), Just("m"), Just("MB"), Just("gb"), Just("b")];
                    let with_unit = (0i64..4096, units).prop_map(|(n, u)| format!("{n}{u}"));
                    let percent = (0i64..=100).prop_map(|p| format!("{p}%"));
                    prop_oneof![plain, with_unit, percent].boxed()
                }
            }
        }
        Kind::Enum { values, .. } => {
            let names: Vec<String> = values.iter().map(|(n, _)| n.to_string()).collect();
            proptest::sample::subsequence(names.clone(), 1..=names.len().min(2)).prop_map(|v| v.join(" ")).boxed()
        }
        Kind::Str { .. } => prop_oneof!["[ -~]{0,16}", "[a-zA-Z0-9_.-]{1,16}"].boxed(),
        Kind::Special(Special::Save) => proptest::collection::vec((1u32..100_000, 0u32..100_000), 0..4)
            .prop_map(|pairs| pairs.iter().map(|(s, c)| format!("{s} {c}")).collect::<Vec<_>>().join(" "))
            .boxed(),
        Kind::Special(Special::ClientOutputBufferLimit) => {
            let class = prop_oneof![Just("normal"), Just("replica"), Just("pubsub")];
            (class, 0u64..1 << 34, 0u64..1 << 34, 0u32..1000)
                .prop_map(|(c, h, s, t)| format!("{c} {h} {s} {t}"))
                .boxed()
        }
        Kind::Special(Special::OomScoreAdjValues) => {
            (-2000i32..=2000, -2000i32..=2000, -2000i32..=2000).prop_map(|(a, b, c)| format!("{a} {b} {c}")).boxed()
        }
        // No `n`: Redis prints `A` for all classes and drops `n` with it (CONFIG SET `An` reads back
        // `A`), so `n` does not survive a rewrite next to `A`, in Redis as here.
        Kind::Special(Special::NotifyKeyspaceEvents) => "[AKEg$lshzxetmd]{0,6}".boxed(),
        Kind::Special(Special::Bind) => proptest::collection::vec(word, 1..4).prop_map(|w| w.join(" ")).boxed(),
        Kind::Special(Special::LatencyPercentiles) => proptest::collection::vec(0u32..=10_000, 0..4)
            .prop_map(|v| v.iter().map(|p| (f64::from(*p) / 100.0).to_string()).collect::<Vec<_>>().join(" "))
            .boxed(),
        Kind::Special(_) => Just(String::new()).boxed(),
    }
}

/// A settable directive with a value for it.
fn assignment() -> impl Strategy<Value = (usize, String)> {
    proptest::sample::select(settable()).prop_flat_map(|index| (Just(index), value_for(index)))
}

fn set(cfg: &mut Config, index: usize, value: &str) -> Result<Vec<&'static str>, crate::ConfigError> {
    cfg.set(&[(DIRECTIVES[index].name.as_bytes(), value.as_bytes())])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn set_get_set_is_a_fixed_point((index, value) in assignment()) {
        let mut cfg = Config::defaults();
        let name = DIRECTIVES[index].name;
        if set(&mut cfg, index, &value).is_ok() {
            let printed = cfg.str(name);
            let before = cfg.values.clone();
            // Multi-arg values print with single spaces, so they can be set back as printed.
            prop_assert!(set(&mut cfg, index, &printed).is_ok(), "{name} {value:?} printed {printed:?}");
            prop_assert_eq!(cfg.str(name), printed);
            prop_assert_eq!(&cfg.values, &before);
        }
    }

    #[test]
    fn bad_values_never_panic_or_half_apply(
        good in assignment(),
        name in proptest::sample::select(settable()),
        junk in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        let mut cfg = Config::defaults();
        let before = cfg.values.clone();
        let pairs: [(&[u8], &[u8]); 2] =
            [(DIRECTIVES[good.0].name.as_bytes(), good.1.as_bytes()), (DIRECTIVES[name].name.as_bytes(), &junk)];
        if cfg.set(&pairs).is_err() {
            prop_assert_eq!(&cfg.values, &before);
        }
        let _ = Config::from_text(&String::from_utf8_lossy(&junk), "junk.conf");
    }

    #[test]
    fn rewrite_then_load_reproduces_the_config(assignments in proptest::collection::vec(assignment(), 1..12)) {
        let tmp = TempDir::new("prop-rewrite");
        let path = tmp.write("redis.conf", "# kept comment\nport 7777\n");
        let mut cfg = Config::load(Some(&path), &[]).unwrap();
        for (index, value) in &assignments {
            let _ = set(&mut cfg, *index, value);
        }
        cfg.rewrite().unwrap();
        let reloaded = Config::load(Some(&path), &[]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        prop_assert!(text.starts_with("# kept comment\n"), "{}", text);
        prop_assert_eq!(&reloaded.values, &cfg.values, "{}", text);
    }
}
