//! Near-duplicate detection: MinHash over character 3-grams of the
//! normalized text, 128 hashes banded 32 x 4 for LSH. Syndicated copies of a
//! story (same text, another header or footer) share a cluster.

/// Number of hash functions.
pub const HASHES: usize = 128;
/// LSH bands of `ROWS` hashes each.
pub const BANDS: usize = 32;
pub const ROWS: usize = HASHES / BANDS;

fn mix(mut x: u64) -> u64 {
    // splitmix64 finaliser
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The MinHash signature of a text (letters, digits and CJK only).
pub fn signature(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut sig = vec![u64::MAX; HASHES];
    if chars.len() < 3 {
        return sig;
    }
    for w in chars.windows(3) {
        let base = w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
            (h ^ u64::from(*c as u32)).wrapping_mul(0x0100_0000_01b3)
        });
        for (i, s) in sig.iter_mut().enumerate() {
            let h = mix(base ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            if h < *s {
                *s = h;
            }
        }
    }
    sig
}

/// The LSH band keys of a signature: documents sharing one are candidates.
pub fn bands(sig: &[u64]) -> Vec<u64> {
    sig.chunks(ROWS)
        .enumerate()
        .map(|(b, rows)| rows.iter().fold(mix(b as u64 + 1), |h, r| mix(h ^ r)))
        .collect()
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// LSH bands kept per ingested document (of `BANDS`): a pair at the
/// near-duplicate threshold (Jaccard 0.8) shares one of 8 bands of 4 rows
/// with probability 1 - (1 - 0.8^4)^8 = 0.985 (0.997 at 0.85, 0.9999 at
/// 0.9), at a quarter of the band rows, lookups and inserts of 32 bands:
/// at ingest these dominate the cost of clustering.
pub const DOC_BANDS: usize = 8;

/// A signature with each value cut to its low 32 bits: what the state keeps
/// for ingested documents (two values agree by chance with probability
/// 2^-32, which leaves similarity estimates unchanged).
pub type Sig32 = Vec<u32>;

/// True for the signature of a text too short to have 3-grams.
pub fn is_empty(sig: &[u64]) -> bool {
    sig.iter().all(|&h| h == u64::MAX)
}

pub fn truncate(sig: &[u64]) -> Sig32 {
    sig.iter().map(|&h| h as u32).collect()
}

/// The band keys of a document signature (the first [`DOC_BANDS`]),
/// computed from the 32-bit values so that they can be rebuilt from the
/// state alone.
pub fn doc_bands(sig: &[u32]) -> Vec<u64> {
    sig.chunks(ROWS)
        .take(DOC_BANDS)
        .enumerate()
        .map(|(b, rows)| {
            rows.iter()
                .fold(mix(b as u64 + 1), |h, &r| mix(h ^ u64::from(r)))
        })
        .collect()
}

/// The band keys an ingested document is stored and looked up under: those
/// of [`doc_bands`], none for a text too short to have 3-grams (a cluster of
/// its own).
pub fn doc_band_keys(sig: &[u64]) -> Vec<u64> {
    if is_empty(sig) {
        Vec::new()
    } else {
        doc_bands(&truncate(sig))
    }
}

/// Estimated Jaccard similarity of two 32-bit signatures.
pub fn similarity32(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

pub fn encode32(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored signature as 32-bit values, whether it was stored with 64-bit
/// values (pages, and documents ingested before 32-bit storage) or 32-bit.
pub fn decode(b: &[u8]) -> Sig32 {
    if b.len() == HASHES * 8 {
        from_bytes(b).into_iter().map(|h| h as u32).collect()
    } else {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect()
    }
}

pub fn to_bytes(sig: &[u64]) -> Vec<u8> {
    sig.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn from_bytes(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_are_close_and_others_are_not() {
        let story = "中科曙光发布新一代超节点产品，单个系统可扩展至一万张国产AI加速卡，标志着国内万卡集群从规划走向交付。业内人士认为，在出口管制持续收紧的背景下，国内云厂商加快去英伟达化。";
        let repost = format!("来源：样例网 {story} 责任编辑：张三");
        let other = "液冷产业链订单饱满，温控龙头扩产，冷板式液冷方案的交付周期已延长至三个月以上，浸没式液冷渗透率有望提升。";
        let (a, b, c) = (signature(story), signature(&repost), signature(other));
        assert!(similarity(&a, &b) > 0.8, "{}", similarity(&a, &b));
        assert!(similarity(&a, &c) < 0.2, "{}", similarity(&a, &c));
        assert!(bands(&a).iter().zip(bands(&b)).any(|(x, y)| *x == y));
        assert_eq!(from_bytes(&to_bytes(&a)), a);
        let (a32, b32) = (truncate(&a), truncate(&b));
        assert_eq!(decode(&to_bytes(&a)), a32);
        assert_eq!(decode(&encode32(&a32)), a32);
        assert_eq!(similarity32(&a32, &b32), similarity(&a, &b));
        assert!(
            doc_bands(&a32)
                .iter()
                .zip(doc_bands(&b32))
                .any(|(x, y)| *x == y)
        );
        assert_eq!(doc_bands(&a32).len(), DOC_BANDS);
        assert!(is_empty(&signature("ab")) && !is_empty(&a));
    }
}
