//! Replays PFADD/PFCOUNT/PFMERGE sequences captured from a real redis-server 7.0.15
//! (`data/gen_hll_vectors.py` wrote `data/hll_vectors.txt`) and checks our replies and value bytes
//! against Redis's, byte for byte.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use crc::{Crc, CRC_64_REDIS};
use rds_storage::hll::{self, HllError};

const VECTORS: &str = include_str!("data/hll_vectors.txt");

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

struct Replay {
    keys: HashMap<String, Vec<u8>>,
    sparse_max: usize,
}

impl Replay {
    fn pfadd(&mut self, key: &str, elements: &[Vec<u8>]) -> Result<bool, HllError> {
        let refs = elements.iter().map(Vec::as_slice);
        match self.keys.get_mut(key) {
            Some(value) => hll::pfadd(value, refs, self.sparse_max),
            None => {
                self.keys.insert(key.to_string(), hll::pfadd_new(refs, self.sparse_max));
                Ok(true)
            }
        }
    }

    fn pfcount(&mut self, keys: &[&str]) -> Result<u64, HllError> {
        if let [key] = keys {
            return match self.keys.get_mut(*key) {
                Some(value) => hll::pfcount(value).map(|count| count.cardinality),
                None => Ok(0),
            };
        }
        hll::pfcount_union(keys.iter().filter_map(|k| self.keys.get(*k)).map(Vec::as_slice))
    }

    fn pfmerge(&mut self, dest: &str, sources: &[&str]) -> Result<(), HllError> {
        let merged = hll::pfmerge(
            self.keys.get(dest).map(Vec::as_slice),
            sources.iter().filter_map(|k| self.keys.get(*k)).map(Vec::as_slice),
            self.sparse_max,
        )?;
        self.keys.insert(dest.to_string(), merged);
        Ok(())
    }

    fn run(&mut self, command: &str, args: &[&str]) -> Result<(), HllError> {
        match command {
            "PFADD" => {
                self.pfadd(args[0], &args[1..].iter().map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>()).map(drop)
            }
            "PFCOUNT" => self.pfcount(args).map(drop),
            "PFMERGE" => self.pfmerge(args[0], &args[1..]),
            other => panic!("unknown command {other}"),
        }
    }
}

#[test]
fn replies_and_bytes_match_real_redis() {
    let crc = Crc::<u64>::new(&CRC_64_REDIS);
    let mut replay = Replay { keys: HashMap::new(), sparse_max: hll::DEFAULT_SPARSE_MAX_BYTES };
    let mut checked = 0;
    for (number, line) in VECTORS.lines().enumerate() {
        let at = format!("line {}: {}", number + 1, &line[..line.len().min(80)]);
        let words: Vec<&str> = line.split(' ').collect();
        match words[0] {
            "#" => continue,
            "config" => replay.sparse_max = words[1].parse().unwrap(),
            "pfadd" => {
                let (from, to): (u64, u64) = (words[3].parse().unwrap(), words[4].parse().unwrap());
                let elements: Vec<Vec<u8>> = (from..to).map(|i| format!("{}{i}", words[2]).into_bytes()).collect();
                assert_eq!(replay.pfadd(words[1], &elements), Ok(words[5] == "1"), "{at}");
            }
            "pfadd_raw" => {
                let elements: Vec<Vec<u8>> = words[3..].iter().map(|w| w.as_bytes().to_vec()).collect();
                assert_eq!(replay.pfadd(words[2], &elements), Ok(words[1] == "1"), "{at}");
            }
            "pfcount" => assert_eq!(replay.pfcount(&words[2..]), Ok(words[1].parse().unwrap()), "{at}"),
            "pfmerge" => assert_eq!(replay.pfmerge(words[1], &words[2..]), Ok(()), "{at}"),
            "get" => {
                let value = &replay.keys[words[1]];
                assert_eq!(value.len(), words[2].parse::<usize>().unwrap(), "{at}");
                assert_eq!(format!("{:016x}", crc.checksum(value)), words[3], "{at}");
            }
            "hex" => assert!(replay.keys[words[1]] == unhex(words[2]), "{at}"),
            "set" => {
                replay.keys.insert(words[1].to_string(), unhex(words[2]));
            }
            "error" => {
                let split = words.iter().position(|w| *w == "|").unwrap();
                let expected = words[split + 1..].join(" ");
                let result = replay.run(words[1], &words[2..split]);
                assert_eq!(result.map_err(|e| e.to_string()), Err(expected), "{at}");
            }
            other => panic!("unknown step {other}"),
        }
        checked += 1;
    }
    assert!(checked > 400, "only {checked} steps");
}
