//! The full sort Redis applies to search results: glibc's `qsort`, a top-down merge sort (stable),
//! reproduced so that points at equal distances come out in the same order; a sort limited by
//! COUNT is [`crate::pqsort`]. It only sees the comparator's sign, as the C version does, so even
//! a comparator that is not a total order (NaN distances) gives Redis's result.

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
}
