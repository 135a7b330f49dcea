//! The two sorts Redis applies to search results, reproduced so that points at equal distances come
//! out in the same order: a full sort is glibc's `qsort` (a top-down merge sort, stable), a sort
//! limited by COUNT is Redis's `pqsort` (the NetBSD quicksort that only descends into partitions
//! overlapping the requested ranks).
//!
//! Both only ever see a comparator's sign, exactly as the C versions do, so even a comparator that
//! is not a total order (NaN distances) gives Redis's result.

use std::cmp::Ordering;

/// Sorts `items` as glibc's `qsort` does (merge sort: halves of `n / 2` and `n - n / 2`, the left
/// element taken on ties).
pub fn merge_sort<T: Copy>(items: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let mut scratch = Vec::with_capacity(items.len());
    merge_sort_with(items, &mut scratch, cmp);
}

fn merge_sort_with<T: Copy>(items: &mut [T], scratch: &mut Vec<T>, cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let half = n / 2;
    // Recursion depth is log2(n).
    merge_sort_with(&mut items[..half], scratch, cmp);
    merge_sort_with(&mut items[half..], scratch, cmp);
    scratch.clear();
    let (mut left, mut right) = (0, half);
    while left < half && right < n {
        if cmp(&items[left], &items[right]).is_gt() {
            scratch.push(items[right]);
            right += 1;
        } else {
            scratch.push(items[left]);
            left += 1;
        }
    }
    // What is left of the right half is already in place.
    scratch.extend_from_slice(&items[left..half]);
    items[..scratch.len()].copy_from_slice(scratch);
}

/// Sorts `items` so that ranks `first..=last` hold what a full sort would put there, as Redis's
/// `pqsort` does (the other ranks end up partially sorted).
pub fn partial_sort<T>(items: &mut [T], first: usize, last: usize, cmp: &impl Fn(&T, &T) -> Ordering) {
    // Partitions still to sort, as (start, len); C recurses into the left one and loops on the
    // right one, which sorts the same disjoint ranges.
    let mut pending = vec![(0usize, items.len())];
    while let Some((start, len)) = pending.pop() {
        let mut next = Some((start, len));
        while let Some((a, n)) = next.take() {
            next = partition_step(items, a, n, cmp, |s, len| overlaps(s, len, first, last), &mut pending);
        }
    }
}

/// True when ranks `start..start + len` meet `first..=last`.
fn overlaps(start: usize, len: usize, first: usize, last: usize) -> bool {
    !(last < start || first >= start + len)
}

/// Insertion sort of `items[a..a + n]`.
fn insertion_sort<T>(items: &mut [T], a: usize, n: usize, cmp: &impl Fn(&T, &T) -> Ordering) {
    for m in a + 1..a + n {
        let mut l = m;
        while l > a && cmp(&items[l - 1], &items[l]).is_gt() {
            items.swap(l, l - 1);
            l -= 1;
        }
    }
}

/// The index of the median of three (`med3`).
fn median3<T>(items: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
    let (x, y, z) = (&items[a], &items[b], &items[c]);
    if cmp(x, y).is_lt() {
        if cmp(y, z).is_lt() {
            b
        } else if cmp(x, z).is_lt() {
            c
        } else {
            a
        }
    } else if cmp(y, z).is_gt() {
        b
    } else if cmp(x, z).is_lt() {
        a
    } else {
        c
    }
}

/// Swaps `items[a..a + n]` with `items[b..b + n]` element by element.
fn swap_blocks<T>(items: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        items.swap(a + i, b + i);
    }
}

/// One round of Bentley-McIlroy partitioning of `items[a..a + n]`: pushes the left partition on
/// `pending` and returns the right one, each only when `wanted` says it matters.
fn partition_step<T>(
    items: &mut [T],
    a: usize,
    n: usize,
    cmp: &impl Fn(&T, &T) -> Ordering,
    wanted: impl Fn(usize, usize) -> bool,
    pending: &mut Vec<(usize, usize)>,
) -> Option<(usize, usize)> {
    if n < 7 {
        insertion_sort(items, a, n, cmp);
        return None;
    }
    let mut pm = a + n / 2;
    if n > 7 {
        let mut pl = a;
        let mut pn = a + n - 1;
        if n > 40 {
            let d = n / 8;
            pl = median3(items, pl, pl + d, pl + 2 * d, cmp);
            pm = median3(items, pm - d, pm, pm + d, cmp);
            pn = median3(items, pn - 2 * d, pn - d, pn, cmp);
        }
        pm = median3(items, pl, pm, pn, cmp);
    }
    items.swap(a, pm);
    let (mut pa, mut pb) = (a + 1, a + 1);
    let (mut pc, mut pd) = (a + n - 1, a + n - 1);
    let mut swapped = false;
    loop {
        while pb <= pc {
            let order = cmp(&items[pb], &items[a]);
            if order.is_gt() {
                break;
            }
            if order.is_eq() {
                swapped = true;
                items.swap(pa, pb);
                pa += 1;
            }
            pb += 1;
        }
        while pb <= pc {
            let order = cmp(&items[pc], &items[a]);
            if order.is_lt() {
                break;
            }
            if order.is_eq() {
                swapped = true;
                items.swap(pc, pd);
                pd -= 1;
            }
            pc -= 1;
        }
        if pb > pc {
            break;
        }
        items.swap(pb, pc);
        swapped = true;
        pb += 1;
        pc -= 1;
    }
    if !swapped {
        insertion_sort(items, a, n, cmp);
        return None;
    }
    let pn = a + n;
    let r = (pa - a).min(pb - pa);
    swap_blocks(items, a, pb - r, r);
    let r = (pd - pc).min(pn - pd - 1);
    swap_blocks(items, pb, pn - r, r);
    let left = pb - pa;
    if left > 1 && wanted(a, left) {
        pending.push((a, left));
    }
    let right = pd - pc;
    (right > 1 && wanted(pn - right, right)).then_some((pn - right, right))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_key(a: &(u32, u32), b: &(u32, u32)) -> Ordering {
        a.0.cmp(&b.0)
    }

    fn sample(n: u32) -> Vec<(u32, u32)> {
        // Many equal keys, scattered, tagged with their original position.
        (0..n).map(|i| ((i * 7919 + 13) % 17, i)).collect()
    }

    #[test]
    fn merge_sort_is_stable() {
        let mut items = sample(200);
        merge_sort(&mut items, &by_key);
        let mut expected = sample(200);
        expected.sort_by(by_key);
        assert_eq!(items, expected);
    }

    #[test]
    fn partial_sort_orders_the_requested_ranks() {
        for n in [0u32, 1, 5, 7, 8, 30, 41, 200, 1000] {
            for count in [1usize, 3, 10, 50] {
                let mut items = sample(n);
                let last = count.min(n as usize).saturating_sub(1);
                if n == 0 {
                    continue;
                }
                partial_sort(&mut items, 0, last, &by_key);
                let mut sorted = sample(n);
                sorted.sort_by(by_key);
                let keys: Vec<u32> = items[..=last].iter().map(|p| p.0).collect();
                let expected: Vec<u32> = sorted[..=last].iter().map(|p| p.0).collect();
                assert_eq!(keys, expected, "n={n} count={count}");
                let mut all: Vec<u32> = items.iter().map(|p| p.1).collect();
                all.sort_unstable();
                assert_eq!(all, (0..n).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn partial_sort_of_everything_is_a_full_sort() {
        let mut items = sample(500);
        partial_sort(&mut items, 0, 499, &by_key);
        assert!(items.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
