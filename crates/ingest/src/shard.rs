//! `--shard K/N`: a deterministic, disjoint share of the documents, so the N
//! tasks of an array job cover an archive exactly once.

use std::fmt;
use std::str::FromStr;

/// Share `index` (0-based) of `count` shares. A document belongs to the share
/// its id hashes to, so membership needs nothing but the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

/// Why a `K/N` shard specification was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardParseError {
    #[error("a shard is written K/N (for example 0/4)")]
    Syntax,
    #[error("the shard count N must be at least 1")]
    ZeroCount,
    #[error("the shard index K must be below N (shards are numbered 0 to N-1)")]
    IndexOutOfRange,
}

impl Shard {
    /// Share `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// How many shares there are: a share is about 1/count of the documents.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the document with this id belongs to this share.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a_64(id.as_bytes()) % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(spec: &str) -> Result<Shard, ShardParseError> {
        let (index, count) = spec.split_once('/').ok_or(ShardParseError::Syntax)?;
        let index: u64 = index.trim().parse().map_err(|_| ShardParseError::Syntax)?;
        let count: u64 = count.trim().parse().map_err(|_| ShardParseError::Syntax)?;
        if count == 0 {
            return Err(ShardParseError::ZeroCount);
        }
        Shard::new(index, count).ok_or(ShardParseError::IndexOutOfRange)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// FNV-1a, 64 bits: fixed by its specification, unlike std's `DefaultHasher`,
/// so shard membership is the same on every machine and Rust version.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_id_is_in_exactly_one_share() {
        let shards: Vec<Shard> = (0..5).map(|k| Shard::new(k, 5).unwrap()).collect();
        let mut sizes = [0usize; 5];
        for n in 0..1000 {
            let id = format!("notes.csv#{n}");
            let owners: Vec<usize> = (0..5).filter(|&k| shards[k].contains(&id)).collect();
            assert_eq!(owners.len(), 1, "{id}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&size| size > 150), "uneven shares {sizes:?}");
    }

    #[test]
    fn one_share_holds_everything() {
        let all: Shard = "0/1".parse().unwrap();
        assert!(all.contains("a.txt") && all.contains(""));
    }

    #[test]
    fn parses_and_rejects_specs() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("4/4".parse::<Shard>(), Err(ShardParseError::IndexOutOfRange));
        assert_eq!("0/0".parse::<Shard>(), Err(ShardParseError::ZeroCount));
        assert_eq!("x/4".parse::<Shard>(), Err(ShardParseError::Syntax));
        assert_eq!("3".parse::<Shard>(), Err(ShardParseError::Syntax));
        assert_eq!(Shard::new(1, 3).unwrap().to_string(), "1/3");
    }
}
