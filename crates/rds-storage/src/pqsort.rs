//! Redis's `pqsort`, the partial quicksort SORT uses when BY and LIMIT are both given and the GEO
//! searches use with COUNT: Bentley and McIlroy's "Engineering a Sort Function" (the NetBSD libc
//! qsort), which skips partitions that lie entirely outside the requested window.
//!
//! Why not `sort_by`: the algorithm is not stable, so elements that compare equal (BY keys that are
//! missing or equal under ALPHA) come out in an order only this exact algorithm reproduces. Every
//! choice below (pivot by median of three or ninther, the equal-to-pivot runs moved to the ends,
//! insertion sort below 7 elements) is what fixes that order. Redis 7.0.15's copy (NetBSD qsort.c
//! 1.19) has no switch to insertion sort after a pass without swaps, and neither has this one:
//! later Redis versions added it, and it changes which of several equal elements come first.
//! Partitions are kept on an explicit stack: they are disjoint, so the order in which they are
//! finished does not change the result, and a hostile input cannot exhaust the call stack.

use std::cmp::Ordering;

/// Sorts enough of `v` that positions `first..=last` hold what a full sort would put there (with the
/// window bounds as Redis passes them: `last` may be `first - 1`, both may be -1 or -2).
pub fn partial_sort<T>(v: &mut [T], first: i64, last: i64, cmp: &mut impl FnMut(&T, &T) -> Ordering) {
    let mut pending = vec![(0usize, v.len())];
    while let Some((mut lo, mut n)) = pending.pop() {
        loop {
            match partition(v, lo, n, cmp) {
                None => break,
                Some((left, right)) => {
                    if left.1 > 1 && overlaps(left, first, last) {
                        pending.push(left);
                    }
                    if right.1 > 1 && overlaps(right, first, last) {
                        (lo, n) = right;
                    } else {
                        break;
                    }
                }
            }
        }
    }
}

/// False when the window `first..=last` lies entirely before or entirely after `lo..lo+n`.
fn overlaps((lo, n): (usize, usize), first: i64, last: i64) -> bool {
    let lo = i64::try_from(lo).unwrap_or(i64::MAX);
    let hi = lo.saturating_add(i64::try_from(n).unwrap_or(i64::MAX)) - 1;
    !((first < lo && last < lo) || (first > hi && last > hi))
}

/// One partitioning pass over `v[lo..lo+n]`. `None` when the range was small enough to finish by
/// insertion sort; otherwise the (start, length) of the parts below and above the
/// pivot that still need sorting.
fn partition<T>(
    v: &mut [T],
    lo: usize,
    n: usize,
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
) -> Option<((usize, usize), (usize, usize))> {
    if n < 7 {
        insertion_sort(v, lo, n, cmp);
        return None;
    }
    let pivot = choose_pivot(v, lo, n, cmp);
    v.swap(lo, pivot);
    let (mut pa, mut pb) = (lo + 1, lo + 1);
    let (mut pc, mut pd) = (lo + n - 1, lo + n - 1);
    loop {
        while pb <= pc {
            let order = cmp(&v[pb], &v[lo]);
            if order == Ordering::Greater {
                break;
            }
            if order == Ordering::Equal {
                v.swap(pa, pb);
                pa += 1;
            }
            pb += 1;
        }
        while pb <= pc {
            let order = cmp(&v[pc], &v[lo]);
            if order == Ordering::Less {
                break;
            }
            if order == Ordering::Equal {
                v.swap(pc, pd);
                pd -= 1;
            }
            pc -= 1;
        }
        if pb > pc {
            break;
        }
        v.swap(pb, pc);
        pb += 1;
        pc -= 1;
    }
    let end = lo + n;
    let r = (pa - lo).min(pb - pa);
    swap_blocks(v, lo, pb - r, r);
    let r = (pd - pc).min(end - pd - 1);
    swap_blocks(v, pb, end - r, r);
    let below = pb - pa;
    let above = pd - pc;
    Some(((lo, below), (end - above, above)))
}

/// The pivot's index: the middle element, the median of three (first, middle, last) above 7
/// elements, or the median of three medians spread over the range above 40.
fn choose_pivot<T>(v: &[T], lo: usize, n: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) -> usize {
    let mut pm = lo + n / 2;
    if n > 7 {
        let mut pl = lo;
        let mut pn = lo + n - 1;
        if n > 40 {
            let d = n / 8;
            pl = median_of_three(v, pl, pl + d, pl + 2 * d, cmp);
            pm = median_of_three(v, pm - d, pm, pm + d, cmp);
            pn = median_of_three(v, pn - 2 * d, pn - d, pn, cmp);
        }
        pm = median_of_three(v, pl, pm, pn, cmp);
    }
    pm
}

fn median_of_three<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) -> usize {
    if cmp(&v[a], &v[b]) == Ordering::Less {
        if cmp(&v[b], &v[c]) == Ordering::Less {
            b
        } else if cmp(&v[a], &v[c]) == Ordering::Less {
            c
        } else {
            a
        }
    } else if cmp(&v[b], &v[c]) == Ordering::Greater {
        b
    } else if cmp(&v[a], &v[c]) == Ordering::Less {
        a
    } else {
        c
    }
}

fn insertion_sort<T>(v: &mut [T], lo: usize, n: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) {
    for m in lo + 1..lo + n {
        let mut l = m;
        while l > lo && cmp(&v[l - 1], &v[l]) == Ordering::Greater {
            v.swap(l, l - 1);
            l -= 1;
        }
    }
}

/// Swaps `v[a + i]` with `v[b + i]` for `i < len` (the two blocks never overlap).
fn swap_blocks<T>(v: &mut [T], a: usize, b: usize, len: usize) {
    for i in 0..len {
        v.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::partial_sort;

    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn the_window_matches_a_full_sort() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for n in [0usize, 1, 5, 7, 8, 40, 41, 100, 1000] {
            let original: Vec<u64> = (0..n).map(|_| xorshift(&mut seed) % 50).collect();
            let mut sorted = original.clone();
            sorted.sort_unstable();
            for (first, count) in [(0usize, n), (3, 10), (n / 2, 1), (n.saturating_sub(5), 5)] {
                let last = (first + count).min(n).saturating_sub(1);
                if first > last || first >= n {
                    continue;
                }
                let mut v = original.clone();
                partial_sort(&mut v, first as i64, last as i64, &mut |a: &u64, b: &u64| a.cmp(b));
                assert_eq!(v[first..=last], sorted[first..=last], "n={n} first={first} last={last}");
            }
        }
    }

    #[test]
    fn equal_elements_come_out_as_from_redis_7_0_pqsort() {
        // Expected tags from Redis 7.0.15's pqsort.c compiled as is, `pqsort(v, 8, .., 0, 5)`: a
        // pass without swaps is partitioned further, not finished by insertion sort (that switch
        // came in later Redis versions and orders the two 1s the other way round).
        let mut v: Vec<(u8, usize)> = [3u8, 2, 1, 0, 1, 4, 5, 5].into_iter().zip(0..).collect();
        partial_sort(&mut v, 0, 5, &mut |a: &(u8, usize), b: &(u8, usize)| a.0.cmp(&b.0));
        let tags: Vec<usize> = v.iter().map(|&(_, tag)| tag).collect();
        assert_eq!(tags[..6], [3, 4, 2, 1, 0, 5]);
    }

    #[test]
    fn degenerate_windows_do_not_panic() {
        for (first, last) in [(-1i64, -2i64), (0, -1), (5, 4), (-5, 100)] {
            let mut v: Vec<u8> = (0..50).rev().collect();
            partial_sort(&mut v, first, last, &mut |a: &u8, b: &u8| a.cmp(b));
        }
        let mut empty: Vec<u8> = Vec::new();
        partial_sort(&mut empty, -1, -2, &mut |a: &u8, b: &u8| a.cmp(b));
    }
}
